import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { CaptureLambdaHandlerOptions } from '@aws-lambda-powertools/tracer/types';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** The one way to wrap a DynamoDB client: undefined attributes are dropped, not rejected. */
export const documentClientFor = (client: DynamoDBClient): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

/** A document client for a Lambda handler: with tracing on, each DynamoDB call is an X-Ray subsegment. */
export const createTracedDocumentClient = (tracer: Tracer): DynamoDBDocumentClient =>
  // The document client shares the wrapped client's middleware stack, so capturing the client covers both.
  documentClientFor(tracer.captureAWSv3Client(new DynamoDBClient({})));

type HandlerDescriptor = Parameters<ReturnType<Tracer['captureLambdaHandler']>>[2];
type AsyncHandler = Extract<NonNullable<HandlerDescriptor['value']>, (...args: never[]) => Promise<unknown>>;

/**
 * The handler inside a `## <handler>` subsegment annotated with ColdStart and Service, its result or
 * error attached as metadata: what Tracer's `captureLambdaHandler` decorator does to a class method,
 * applied to a function handler. Outside Lambda, or with POWERTOOLS_TRACE_ENABLED=false, the
 * handler runs unchanged.
 */
export const traceLambdaHandler = <H extends AsyncHandler>(
  tracer: Tracer,
  handler: H,
  options?: CaptureLambdaHandlerOptions,
): H => {
  const method: HandlerDescriptor = { value: handler };
  tracer.captureLambdaHandler(options)({ handler }, 'handler', method);
  return method.value as H;
};
