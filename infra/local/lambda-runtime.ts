import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** Account id the twin's fake ARNs carry (the same one fauxqs uses for its queue ARNs). */
export const LOCAL_ACCOUNT_ID = '000000000000';

export interface LambdaFunctionSettings {
  /** Physical function name, e.g. `kolpulse-local-poll-x`. */
  functionName: string;
  timeoutSeconds: number;
  memoryMb: number;
  region: string;
}

/** An async Lambda handler as the twin invokes it (event in, result out; no callback style). */
export type AsyncHandler<TEvent, TResult> = (event: TEvent, context: Context) => Promise<TResult>;

/**
 * A Lambda-shaped context for one invocation. `getRemainingTimeInMillis` counts down from the function's
 * configured timeout, so handlers that stop cleanly before the deadline behave as they would in AWS.
 */
export const createLambdaContext = (
  settings: LambdaFunctionSettings,
  now: () => number = Date.now,
): Context => {
  const deadline = now() + settings.timeoutSeconds * 1000;
  const requestId = randomUUID();
  const unsupported = (name: string) => () => {
    throw new Error(`context.${name}() is not supported by the local twin: return a promise instead`);
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: settings.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${settings.region}:${LOCAL_ACCOUNT_ID}:function:${settings.functionName}`,
    memoryLimitInMB: String(settings.memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${settings.functionName}`,
    logStreamName: `local/[$LATEST]${requestId.replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    done: unsupported('done'),
    fail: unsupported('fail'),
    succeed: unsupported('succeed'),
  };
};

/** The invocation ran past the function's timeout; in AWS the runtime would have been stopped. */
export class LambdaTimeoutError extends Error {
  override name = 'LambdaTimeoutError';
  constructor(
    readonly functionName: string,
    readonly timeoutSeconds: number,
  ) {
    super(`${functionName}: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`);
  }
}

/**
 * Invokes a handler the way the Lambda service does: a fresh context, and a timeout after which the
 * invocation counts as failed. A timed-out handler cannot be killed in-process; its late result is ignored,
 * which is what the caller of a timed-out Lambda sees too.
 */
export const invokeLambda = async <TEvent, TResult>(
  handler: AsyncHandler<TEvent, TResult>,
  event: TEvent,
  settings: LambdaFunctionSettings,
): Promise<TResult> => {
  const context = createLambdaContext(settings);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new LambdaTimeoutError(settings.functionName, settings.timeoutSeconds)),
      settings.timeoutSeconds * 1000,
    );
  });
  try {
    return await Promise.race([handler(event, context), timeout]);
  } finally {
    clearTimeout(timer);
  }
};
