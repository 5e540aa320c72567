import { Logger } from '@aws-lambda-powertools/logger';
import { createDocumentClient } from '../../shared/aws';
import { createReportHandler, reportDepsFromEnv } from './app';

const clients = { doc: createDocumentClient(), logger: new Logger({ serviceName: 'kol-pulse-report' }) };
export const handler = createReportHandler(reportDepsFromEnv(process.env, clients));
