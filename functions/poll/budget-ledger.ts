import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { periodOf, type Quota } from '../../shared/budget';
import { BUDGET_SUMMARY_SK, budgetKey, budgetPartition } from '../../shared/keys';
import type { Platform } from '../../shared/platform';

/**
 * The persisted budget ledger of one platform (state table, partition `BUDGET#{platform}`): per quota and
 * period, the units used. A cycle reserves what it may spend with a conditional ADD that never takes the
 * total past the limit (two overlapping invocations cannot overspend together), and settles what it did not
 * spend at its end. A cycle that dies before settling leaves its reservation counted: the ledger errs on the
 * side of spending less, never more.
 */
export interface BudgetLedger {
  /** Units used so far in the current period of each quota, by quota name. */
  used(quotas: readonly Quota[], now: number): Promise<Record<string, number>>;
  /** Adds `amount` if the total stays within `limit`; false (nothing added) otherwise. */
  reserve(quota: Quota, now: number, amount: number): Promise<boolean>;
  /** Adds `delta` (negative: gives back an unspent reservation). */
  adjust(quota: Quota, now: number, delta: number): Promise<void>;
  /** Marks the quota spent for the rest of its period (the platform said so). */
  exhaust(quota: Quota, now: number): Promise<void>;
  saveSummary(summary: BudgetSummary): Promise<void>;
}

/** What the poller last recorded for a platform: `GET /budgets` and the twin's status line read it. */
export interface BudgetSummary {
  platform: Platform;
  at: string;
  /** Per quota: used and limit in the current period, and the period's id. */
  quotas: { name: string; unit: string; period: string; used: number; limit: number }[];
  /** When tracked posts were last refreshed (the cycle's end), and how many. */
  lastRefreshAt?: string;
  refreshed: number;
  /** X: USD spent this month at the per-read price. */
  usdThisMonth?: number;
}

/** Ledger items outlive their period by this long, then DynamoDB's TTL removes them. */
const KEEP_SECONDS = 40 * 86_400;

const expiresAt = (now: number) => Math.floor(now / 1000) + KEEP_SECONDS;

export class DynamoBudgetLedger implements BudgetLedger {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly platform: Platform,
  ) {}

  private key(quota: Quota, now: number) {
    return budgetKey(this.platform, quota.name, periodOf(quota, now).id);
  }

  async used(quotas: readonly Quota[], now: number): Promise<Record<string, number>> {
    if (quotas.length === 0) return {};
    const keys = quotas.map((q) => this.key(q, now));
    const out = await this.doc.send(
      new BatchGetCommand({
        RequestItems: { [this.tableName]: { Keys: keys, ProjectionExpression: 'sk, used' } },
      }),
    );
    const bySk = new Map((out.Responses?.[this.tableName] ?? []).map((i) => [i.sk, Number(i.used ?? 0)]));
    // Unprocessed keys are read as fully used: spending nothing is the safe answer to a throttled read.
    const unread = new Set((out.UnprocessedKeys?.[this.tableName]?.Keys ?? []).map((k) => k.sk));
    return Object.fromEntries(
      quotas.map((q, i) => {
        const sk = keys[i]?.sk ?? '';
        return [q.name, unread.has(sk) ? q.limit : (bySk.get(sk) ?? 0)];
      }),
    );
  }

  /** One UpdateItem on the quota's current ledger item; every write also refreshes its limit and TTL. */
  private update(
    quota: Quota,
    now: number,
    set: string,
    values: Record<string, unknown>,
    condition?: string,
  ) {
    return this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.key(quota, now),
        UpdateExpression: `${set} #limit = :limit, expiresAt = :exp`,
        ...(condition ? { ConditionExpression: condition } : {}),
        ExpressionAttributeNames: { '#limit': 'limit' },
        ExpressionAttributeValues: { ...values, ':limit': quota.limit, ':exp': expiresAt(now) },
      }),
    );
  }

  async reserve(quota: Quota, now: number, amount: number): Promise<boolean> {
    if (amount <= 0) return true;
    try {
      await this.update(
        quota,
        now,
        'ADD used :n SET',
        { ':n': amount, ':max': quota.limit - amount },
        'attribute_not_exists(used) OR used <= :max',
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  async adjust(quota: Quota, now: number, delta: number): Promise<void> {
    if (delta !== 0) await this.update(quota, now, 'ADD used :n SET', { ':n': delta });
  }

  async exhaust(quota: Quota, now: number): Promise<void> {
    await this.update(quota, now, 'SET used = :limit,', {});
  }

  async saveSummary(summary: BudgetSummary): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: budgetPartition(this.platform),
          sk: BUDGET_SUMMARY_SK,
          kind: 'budget-summary',
          ...summary,
        },
      }),
    );
  }
}

/** The same ledger in memory (tests, `npm run plan`'s simulation). */
export class MemoryBudgetLedger implements BudgetLedger {
  readonly items = new Map<string, number>();
  summary: BudgetSummary | undefined;

  private key(quota: Quota, now: number) {
    return `${quota.name}#${periodOf(quota, now).id}`;
  }

  async used(quotas: readonly Quota[], now: number) {
    return Object.fromEntries(quotas.map((q) => [q.name, this.items.get(this.key(q, now)) ?? 0]));
  }

  async reserve(quota: Quota, now: number, amount: number) {
    const used = this.items.get(this.key(quota, now)) ?? 0;
    if (used + amount > quota.limit) return false;
    this.items.set(this.key(quota, now), used + amount);
    return true;
  }

  async adjust(quota: Quota, now: number, delta: number) {
    this.items.set(this.key(quota, now), (this.items.get(this.key(quota, now)) ?? 0) + delta);
  }

  async exhaust(quota: Quota, now: number) {
    this.items.set(this.key(quota, now), quota.limit);
  }

  async saveSummary(summary: BudgetSummary) {
    this.summary = summary;
  }
}
