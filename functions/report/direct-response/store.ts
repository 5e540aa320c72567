import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { forEachLimited } from '../../../shared/batches';
import {
  eventClaimKey,
  eventDayPartition,
  eventRowKey,
  UNATTRIBUTED,
} from '../../../shared/direct-response-keys';
import type { Day } from '../../../shared/time';
import type { DirectEvent, EventType } from './events';

/**
 * Exactly-once storage of direct-response events with single-item conditional writes (dynalite has no
 * transactions; docs/direct-response.md, "Exactly once"):
 *  1. the claim item of the event id is put only if absent or holding the same fingerprint: it pins what the
 *     id means and where it lands, so a retry that changed content or day cannot count twice;
 *  2. the event's row is put under its campaign day. Its key comes from the claimed content, so a retry or a
 *     replay rewrites the same row with the same content (a no-op), and a crash between 1 and 2 is healed by
 *     the retry, which passes step 1 and writes the row.
 * Figures are sums over the rows, so every accepted event counts exactly once, whatever the retries.
 */

export type EventOutcome = 'applied' | 'duplicate' | 'conflict';
export interface EventResult {
  id: string;
  outcome: EventOutcome;
}

/** What reports read of an event row. */
export interface EventRow {
  day: Day;
  kolKey: string;
  type: EventType;
  amountMinor?: number;
  currency?: string;
}

const isConditionalCheckFailed = (e: unknown): boolean =>
  (e as { name?: string } | null)?.name === 'ConditionalCheckFailedException';

export interface DirectResponseStoreOptions {
  doc: DynamoDBDocumentClient;
  tableName: string;
  /** Events (or day Queries) in flight at once. */
  concurrency?: number;
}

export class DirectResponseStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;
  /** Events (or day Queries) in flight at once. */
  private readonly concurrency: number;

  constructor(opts: DirectResponseStoreOptions) {
    ({ doc: this.doc, tableName: this.tableName, concurrency: this.concurrency = 8 } = opts);
  }

  /** Records each event once; the result says, per id, whether it was new, a repeat, or a conflicting repeat. */
  async record(campaignId: string, events: readonly DirectEvent[]): Promise<EventResult[]> {
    const results = new Map<string, EventOutcome>();
    const errors: unknown[] = [];
    // Every event is tried before a failure is reported, so no write is left running after the answer.
    await forEachLimited(events, this.concurrency, async (event) => {
      try {
        results.set(event.id, await this.recordOne(campaignId, event));
      } catch (error) {
        errors.push(error);
      }
    });
    if (errors.length > 0) throw errors[0];
    return events.map((e) => ({ id: e.id, outcome: results.get(e.id) ?? 'conflict' }));
  }

  private async recordOne(campaignId: string, e: DirectEvent): Promise<EventOutcome> {
    const counted = {
      type: e.type,
      code: e.code,
      time: new Date(e.time).toISOString(),
      day: e.day,
      kolKey: e.kolKey,
      ...(e.amountMinor === undefined ? {} : { amountMinor: e.amountMinor, currency: e.currency }),
    };
    let existed: boolean;
    try {
      const claim = await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...eventClaimKey(campaignId, e.id), eventId: e.id, fingerprint: e.fingerprint, ...counted },
          ConditionExpression: 'attribute_not_exists(pk) OR fingerprint = :f',
          ExpressionAttributeValues: { ':f': e.fingerprint },
          ReturnValues: 'ALL_OLD',
        }),
      );
      existed = claim.Attributes !== undefined;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return 'conflict';
      throw error;
    }
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...eventRowKey(campaignId, e.day, e.kolKey, e.id), eventId: e.id, ...counted },
      }),
    );
    return existed ? 'duplicate' : 'applied';
  }

  /** Every counted event on `days` (one Query per day, plus pages), optionally only one KOL's (or UNATTRIBUTED). */
  async rows(campaignId: string, days: readonly Day[], kolKey?: string): Promise<EventRow[]> {
    const rows: EventRow[] = [];
    await forEachLimited(days, this.concurrency, async (day) => {
      rows.push(...(await this.dayRows(campaignId, day, kolKey)));
    });
    return rows;
  }

  private async dayRows(campaignId: string, day: Day, kolKey: string | undefined): Promise<EventRow[]> {
    const out: EventRow[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: kolKey ? 'pk = :pk AND begins_with(sk, :kol)' : 'pk = :pk',
          ExpressionAttributeValues: {
            ':pk': eventDayPartition(campaignId, day),
            ...(kolKey ? { ':kol': `${kolKey}#` } : {}),
          },
          ProjectionExpression: 'kolKey, #t, amountMinor, currency',
          ExpressionAttributeNames: { '#t': 'type' },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? [])
        out.push({
          day,
          kolKey: typeof item.kolKey === 'string' ? item.kolKey : UNATTRIBUTED,
          type: item.type as EventType,
          ...(typeof item.amountMinor === 'number'
            ? { amountMinor: item.amountMinor, currency: String(item.currency) }
            : {}),
        });
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return out;
  }
}
