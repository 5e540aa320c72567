import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from './dynamodb-local';

/** One DynamoDB Local JVM for the whole run (it takes seconds to start); every test file gets its own tables. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const engine = await startDynamoDbLocal();
  project.provide('dynamodbLocalEndpoint', engine.endpoint);
  return () => engine.stop();
}
