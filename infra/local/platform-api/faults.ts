import type { Platform } from '../../../shared/platform';
import type { PlatformStore } from './store';

/**
 * Fault injection: `faults.next(fault, match?)` queues a fault for the next request that matches (by platform
 * and/or path below the platform prefix). Each queued fault fires once, in order.
 */
export type Fault =
  /** Answer with this status (429 with or without reset headers, 500, 502, 503...) instead of the real answer. */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
  /** Wait this long before answering normally (past the client's timeout, say). */
  | { kind: 'delay'; ms: number }
  /** Destroy the connection without an answer (ECONNRESET on the client). */
  | { kind: 'reset' }
  /** Answer 200 with a body that is not JSON. */
  | { kind: 'malformedJson' }
  /** Answer 200 with exactly this body (a hostile one: 10 MB, nested 100,000 deep...). */
  | { kind: 'rawBody'; body: string }
  /** Send the headers and half the body, then cut the connection. */
  | { kind: 'truncated' }
  /** Change the JSON body before sending it (drop required fields from an item, say). */
  | { kind: 'mutate'; mutate: (body: unknown) => unknown }
  /** Run something against the store before answering (insert posts between two pages, say). */
  | { kind: 'before'; run: (store: PlatformStore) => void };

export interface FaultMatch {
  platform?: Platform;
  /** Exact path below the platform prefix, or a pattern. */
  path?: string | RegExp;
}

interface Queued {
  fault: Fault;
  match: FaultMatch;
}

export class FaultQueue {
  private readonly queue: Queued[] = [];

  next(fault: Fault, match: FaultMatch = {}): this {
    this.queue.push({ fault, match });
    return this;
  }

  /** The first queued fault matching the request, removed from the queue. */
  take(platform: Platform, path: string): Fault | undefined {
    const index = this.queue.findIndex(
      ({ match }) =>
        (match.platform === undefined || match.platform === platform) &&
        (match.path === undefined ||
          (typeof match.path === 'string' ? match.path === path : match.path.test(path))),
    );
    if (index < 0) return undefined;
    const [queued] = this.queue.splice(index, 1);
    return queued?.fault;
  }

  get pending(): number {
    return this.queue.length;
  }

  clear(): void {
    this.queue.length = 0;
  }
}
