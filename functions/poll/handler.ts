import { Metrics } from '@aws-lambda-powertools/metrics';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createDocumentClient } from '../../shared/aws';
import { createPollHandler, pollDepsFromEnv } from './app';

const clients = {
  doc: createDocumentClient(),
  sqs: new SQSClient({}),
  secrets: new SecretsManagerClient({}),
  metrics: new Metrics({ namespace: 'KolPulse', serviceName: 'poll' }),
};

export const handler = createPollHandler(pollDepsFromEnv(process.env, clients));
