import { Tracer } from '@aws-lambda-powertools/tracer';
import { createTracedDocumentClient, traceLambdaHandler } from '../../shared/aws';
import { aggregateDepsFromEnv, createAggregateHandler } from './app';

const tracer = new Tracer({ serviceName: 'kol-pulse-aggregate' });
const doc = createTracedDocumentClient(tracer);

export const handler = traceLambdaHandler(
  tracer,
  createAggregateHandler(aggregateDepsFromEnv(process.env, { doc })),
);
