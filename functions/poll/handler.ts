import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createTracedDocumentClient, traceLambdaHandler } from '../../shared/aws';
import { createPollHandler, pollDepsFromEnv } from './app';

const tracer = new Tracer({ serviceName: 'kol-pulse-poll' });
const clients = {
  doc: createTracedDocumentClient(tracer),
  sqs: tracer.captureAWSv3Client(new SQSClient({})),
  secrets: tracer.captureAWSv3Client(new SecretsManagerClient({})),
  metrics: new Metrics({ namespace: 'KolPulse', serviceName: 'poll' }),
  eventBridge: () => tracer.captureAWSv3Client(new EventBridgeClient({})),
};

export const handler = traceLambdaHandler(tracer, createPollHandler(pollDepsFromEnv(process.env, clients)));
