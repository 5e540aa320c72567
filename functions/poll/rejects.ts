import { createHash } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchPutItems } from '../../shared/dynamo-batch';
import { rejectKey } from '../../shared/keys';
import type { RejectedItem } from '../../shared/platforms/adapter';
import { dayOf } from '../../shared/time';
import type { Clock } from './clock';

export const REJECT_TTL_SECONDS = 30 * 24 * 3600;
/** Raw items are kept for diagnosis only; a few KiB say what was wrong without bloating the table. */
export const MAX_REJECT_RAW_BYTES = 8 * 1024;

/** JSON of the item, cut to at most MAX_REJECT_RAW_BYTES UTF-8 bytes without splitting a character. */
export const truncatedJson = (item: unknown): string => {
  let json: string;
  try {
    json = JSON.stringify(item) ?? String(item);
  } catch {
    json = String(item);
  }
  if (Buffer.byteLength(json, 'utf8') <= MAX_REJECT_RAW_BYTES) return json;
  let bytes = 0;
  let out = '';
  for (const char of json) {
    bytes += Buffer.byteLength(char, 'utf8');
    if (bytes > MAX_REJECT_RAW_BYTES) break;
    out += char;
  }
  return out;
};

/**
 * Records items an adapter could not turn into observations, for an operator to inspect. The id hashes the
 * content, so re-reading the same bad item (overlap, retries) overwrites one record instead of piling up.
 * Writing rejects never blocks the good observations of the same page.
 */
export class RejectStore {
  written = 0;
  failed = 0;
  private pending = new Map<string, Record<string, unknown>>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly pollId: string,
    private readonly clock: Clock,
  ) {}

  add(rejects: readonly RejectedItem[]): void {
    const now = this.clock.now();
    for (const reject of rejects) {
      const item = truncatedJson(reject.item);
      const id = `${reject.platform}#${createHash('sha1').update(`${reject.reason}\n${item}`).digest('hex').slice(0, 24)}`;
      const key = rejectKey(dayOf(now, 'UTC'), id);
      // Same record shape as the aggregate function's rejects (kind, source, reason, raw, receivedAt).
      this.pending.set(`${key.pk}|${key.sk}`, {
        ...key,
        kind: 'reject',
        source: 'poll',
        platform: reject.platform,
        reason: reject.reason.slice(0, 2_000),
        raw: item,
        pollId: this.pollId,
        receivedAt: new Date(now).toISOString(),
        expiresAt: Math.floor(now / 1000) + REJECT_TTL_SECONDS,
      });
    }
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Writes what is pending; returns the reasons of records that could not be written (also counted). */
  async flush(): Promise<string[]> {
    const items = [...this.pending.values()];
    this.pending.clear();
    const { written, failures } = await batchPutItems(this.doc, this.tableName, items, {
      retry: { sleep: (ms) => this.clock.sleep(ms), random: () => this.clock.random() },
    });
    const lost = failures.flatMap((f) => f.entries.map((item) => String(item.reason)));
    this.written += written;
    this.failed += lost.length;
    return lost;
  }
}
