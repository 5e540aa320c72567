import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpHandlerOptions, HttpRequest, HttpResponse } from '@smithy/types';
import { documentClientFor } from '../../../shared/aws';
import type { SeededRandom } from '../../../shared/random';

/**
 * Faults injected below the AWS SDK, at the HTTP transport of a real DynamoDBClient talking to dynalite.
 * The SDK sees genuine DynamoDB error responses (ProvisionedThroughputExceededException, 500
 * InternalServerError) and runs its own deserialisation and retry logic on them, exactly as in AWS.
 *
 * - throttle: answered 400 ProvisionedThroughputExceededException without reaching the table;
 * - serverError: answered 500 without reaching the table;
 * - lostResponse: forwarded to the table (the write IS applied) and then answered 500, the ambiguous case
 *   where the client cannot know and retries a write that already happened;
 * - crash: after `crashAfterWrites` write requests the "process" dies: the last write is applied but its
 *   response is lost (when `crashLosesLastResponse`), and every later request fails without reaching the
 *   table, as nothing runs after a kill;
 * - poison: writes whose body matches never succeed (a bug only a fix cures), until `cure()`;
 * - latency: a random delay per request.
 */

export interface DynamoFaultPlan {
  throttle?: number;
  serverError?: number;
  lostResponse?: number;
  crashAfterWrites?: number;
  crashLosesLastResponse?: boolean;
  poison?: (body: string) => boolean;
  /** Extra latency per request, uniform in [0, latencyMs]: slow batches outlive a short visibility timeout. */
  latencyMs?: number;
}

export class ProcessCrashedError extends Error {
  override name = 'ProcessCrashedError';
}

const WRITE_TARGETS = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

const errorResponse = (status: number, type: string, message: string): { response: HttpResponse } => ({
  response: {
    statusCode: status,
    reason: status === 500 ? 'Internal Server Error' : 'Bad Request',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': `fault-${Date.now()}` },
    body: Readable.from([
      Buffer.from(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message })),
    ]),
  } as HttpResponse,
});

export interface FaultCounts {
  requests: number;
  writes: number;
  throttled: number;
  serverErrors: number;
  lostResponses: number;
  poisoned: number;
}

export class FaultyDynamoTransport {
  readonly counts: FaultCounts = {
    requests: 0,
    writes: 0,
    throttled: 0,
    serverErrors: 0,
    lostResponses: 0,
    poisoned: 0,
  };
  crashed = false;
  private cured = false;

  constructor(
    private readonly inner: NodeHttpHandler,
    private readonly plan: DynamoFaultPlan,
    private readonly rng: SeededRandom,
  ) {}

  /** Injected errors of every kind (what the figures call DynamoDB faults). */
  get injected(): number {
    return (
      this.counts.throttled + this.counts.serverErrors + this.counts.lostResponses + this.counts.poisoned
    );
  }

  cure(): void {
    this.cured = true;
  }

  /** Kills the "process" from outside (another client of the same process crashed). */
  crash(): void {
    this.crashed = true;
  }

  async handle(request: HttpRequest, options?: HttpHandlerOptions): Promise<{ response: HttpResponse }> {
    if (this.crashed) throw new ProcessCrashedError('the process was killed: nothing runs after a crash');
    this.counts.requests++;
    if (this.plan.latencyMs)
      await new Promise((r) => setTimeout(r, this.rng.int(0, this.plan.latencyMs ?? 0)));
    if (this.crashed) throw new ProcessCrashedError('the process was killed: nothing runs after a crash');
    const target = String(request.headers['x-amz-target'] ?? '').replace(/^DynamoDB_\d+\./, '');
    const isWrite = WRITE_TARGETS.has(target);
    const raw: unknown = request.body;
    const body =
      typeof raw === 'string' ? raw : raw instanceof Uint8Array ? new TextDecoder().decode(raw) : '';
    if (isWrite && !this.cured && this.plan.poison?.(body)) {
      this.counts.poisoned++;
      return errorResponse(
        500,
        'InternalServerError',
        'injected poison: this write always fails until the fix',
      );
    }
    if (this.plan.throttle && this.rng.chance(this.plan.throttle)) {
      this.counts.throttled++;
      return errorResponse(
        400,
        'ProvisionedThroughputExceededException',
        'injected: rate of requests exceeds the allowed throughput',
      );
    }
    if (this.plan.serverError && this.rng.chance(this.plan.serverError)) {
      this.counts.serverErrors++;
      return errorResponse(500, 'InternalServerError', 'injected: internal server error');
    }
    if (isWrite) this.counts.writes++;
    const crashNow =
      isWrite && this.plan.crashAfterWrites !== undefined && this.counts.writes >= this.plan.crashAfterWrites;
    if (crashNow && !this.plan.crashLosesLastResponse) {
      this.crashed = true;
      throw new ProcessCrashedError(`killed before write ${this.counts.writes} reached the table`);
    }
    const result = await this.inner.handle(request as Parameters<NodeHttpHandler['handle']>[0], options);
    if (crashNow) {
      this.crashed = true;
      throw new ProcessCrashedError(
        `killed after write ${this.counts.writes} was applied, before its response`,
      );
    }
    if (isWrite && this.plan.lostResponse && this.rng.chance(this.plan.lostResponse)) {
      // Drain the real response so the socket is reused, then report a failure the client must retry.
      (result.response.body as Readable | undefined)?.resume();
      this.counts.lostResponses++;
      return errorResponse(500, 'InternalServerError', 'injected: applied, but the response was lost');
    }
    return result;
  }

  updateHttpClientConfig(): void {}
  httpHandlerConfigs() {
    return {};
  }
  destroy(): void {
    this.inner.destroy();
  }
}

export interface FaultyDynamo {
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  transport: FaultyDynamoTransport;
  destroy(): void;
}

/** A DynamoDB client to `endpoint` whose transport injects the plan's faults. */
export const faultyDynamo = (
  endpoint: string,
  plan: DynamoFaultPlan,
  rng: SeededRandom,
  maxAttempts = 3,
): FaultyDynamo => {
  const transport = new FaultyDynamoTransport(new NodeHttpHandler(), plan, rng);
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: transport as unknown as NodeHttpHandler,
    maxAttempts,
  });
  return { client, doc: documentClientFor(client), transport, destroy: () => client.destroy() };
};
