import { Logger } from '@aws-lambda-powertools/logger';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { createTracedDocumentClient, traceLambdaHandler } from '../../shared/aws';
import { createReportHandler, reportDepsFromEnv } from './app';

const SERVICE_NAME = 'kol-pulse-report';
const tracer = new Tracer({ serviceName: SERVICE_NAME });
const clients = {
  doc: createTracedDocumentClient(tracer),
  logger: new Logger({ serviceName: SERVICE_NAME }),
};

// Responses carry whole CSV exports and the dashboard page: too large, and too much data, for trace metadata.
export const handler = traceLambdaHandler(
  tracer,
  createReportHandler(reportDepsFromEnv(process.env, clients)),
  {
    captureResponse: false,
  },
);
