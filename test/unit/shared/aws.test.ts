import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTracedDocumentClient, traceLambdaHandler } from '../../../shared/aws';

const context = { functionName: 'test' } as Context;

/** A tracer that believes it runs in Lambda, with X-Ray's subsegment capture stubbed. */
const enabledTracer = () => {
  const tracer = new Tracer({ serviceName: 'test' });
  const subsegment = { close: vi.fn() };
  vi.spyOn(tracer, 'isTracingEnabled').mockReturnValue(true);
  vi.spyOn(tracer, 'annotateColdStart').mockImplementation(() => undefined);
  vi.spyOn(tracer, 'addServiceNameAnnotation').mockImplementation(() => undefined);
  const addResponse = vi.spyOn(tracer, 'addResponseAsMetadata').mockImplementation(() => undefined);
  const addError = vi.spyOn(tracer, 'addErrorAsMetadata').mockImplementation(() => undefined);
  const capture = vi
    .spyOn(tracer.provider, 'captureAsyncFunc')
    .mockImplementation((_name, fn) => fn(subsegment as never) as never);
  return { tracer, subsegment, addResponse, addError, capture };
};

afterEach(() => vi.restoreAllMocks());

describe('Function: traceLambdaHandler', () => {
  it('outside Lambda, runs the handler unchanged (tracing disabled)', async () => {
    // Arrange
    const tracer = new Tracer({ serviceName: 'test' });
    const handler = vi.fn(async (event: { n: number }, _context: Context) => ({ doubled: event.n * 2 }));
    const capture = vi.spyOn(tracer.provider, 'captureAsyncFunc');
    // Act
    const result = await traceLambdaHandler(tracer, handler)({ n: 21 }, context);
    // Assert
    expect(tracer.isTracingEnabled()).toBe(false);
    expect(result).toEqual({ doubled: 42 });
    expect(handler).toHaveBeenCalledWith({ n: 21 }, context);
    expect(capture).not.toHaveBeenCalled();
  });

  it('in Lambda, runs the handler in a closed subsegment and records its response', async () => {
    const { tracer, subsegment, addResponse, capture } = enabledTracer();
    const result = await traceLambdaHandler(
      tracer,
      async (event: { n: number }, _context: Context) => event.n,
    )({ n: 7 }, context);
    expect(result).toBe(7);
    expect(capture).toHaveBeenCalledOnce();
    expect(addResponse).toHaveBeenCalledWith(7, process.env._HANDLER);
    expect(subsegment.close).toHaveBeenCalledOnce();
  });

  it('leaves the response out of the trace when asked to', async () => {
    const { tracer, addResponse } = enabledTracer();
    const traced = traceLambdaHandler(tracer, async (_event: unknown, _context: Context) => 'large body', {
      captureResponse: false,
    });
    await expect(traced({}, context)).resolves.toBe('large body');
    expect(addResponse).not.toHaveBeenCalled();
  });

  it('records an error and throws it on', async () => {
    const { tracer, subsegment, addError } = enabledTracer();
    const failure = new Error('boom');
    const traced = traceLambdaHandler(tracer, async (_event: unknown, _context: Context) => {
      throw failure;
    });
    await expect(traced({}, context)).rejects.toBe(failure);
    expect(addError).toHaveBeenCalledWith(failure);
    expect(subsegment.close).toHaveBeenCalledOnce();
  });
});

describe('Function: createTracedDocumentClient', () => {
  it('drops undefined attributes, like every document client', () => {
    const doc = createTracedDocumentClient(new Tracer({ serviceName: 'test' }));
    expect(doc.config.translateConfig?.marshallOptions?.removeUndefinedValues).toBe(true);
  });

  it('hands the DynamoDB client to the tracer for capture', () => {
    const tracer = new Tracer({ serviceName: 'test' });
    const capture = vi.spyOn(tracer, 'captureAWSv3Client');
    createTracedDocumentClient(tracer);
    expect(capture).toHaveBeenCalledOnce();
  });
});
