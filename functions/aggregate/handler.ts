import { createDocumentClient } from '../../shared/aws';
import { aggregateDepsFromEnv, createAggregateHandler } from './app';

const doc = createDocumentClient();

export const handler = createAggregateHandler(aggregateDepsFromEnv(process.env, { doc }));
