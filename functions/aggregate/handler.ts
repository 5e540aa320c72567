import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createTracedDocumentClient, traceLambdaHandler } from '../../shared/aws';
import { aggregateDepsFromEnv, createAggregateHandler } from './app';

const tracer = new Tracer({ serviceName: 'kol-pulse-aggregate' });
const doc = createTracedDocumentClient(tracer);
const metrics = new Metrics({ namespace: 'KolPulse', serviceName: 'aggregate' });
const eventBridge = tracer.captureAWSv3Client(new EventBridgeClient({}));

export const handler = traceLambdaHandler(
  tracer,
  createAggregateHandler(aggregateDepsFromEnv(process.env, { doc, metrics, eventBridge: () => eventBridge })),
);
