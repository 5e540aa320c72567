import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { freshnessPartition } from '../../shared/keys';
import type { Observation } from '../../shared/observation';
import { associate, type CampaignIndex } from './matching';
import { isConditionalCheckFailed } from './rollup-update';

/**
 * When each campaign's figures were last observed, per platform (docs/data-model.md, "Freshness"): after a
 * batch, the latest `observedAt` among the observations it applied, per (campaign, platform), is written
 * with `SET lastObservedAt` under the condition that no later time is stored. A failed condition means a
 * later time is already there, so it is dropped: the value never moves back, whatever the delivery order.
 * It is metadata: a failure is logged and never fails the batch, and a later batch writes it again.
 *
 * Write rate: a process remembers, per (campaign, platform), a time it knows is stored (it wrote it, or its
 * write found a later one), and writes only a time more than `writeIntervalMs` past it. So the stored time
 * trails the latest applied observation by at most that interval, and a process writes each item about once
 * per interval of observation time instead of once per batch.
 */
export interface FreshnessDeps {
  doc: DynamoDBDocumentClient;
  tables: { rollups: string };
  index: CampaignIndex;
  logger: { warn: (message: string, extra: Record<string, unknown>) => void };
  /** Default FRESHNESS_WRITE_INTERVAL_MS. */
  writeIntervalMs?: number;
}

/** The most the stored freshness may trail the latest applied observation (observation time). */
export const FRESHNESS_WRITE_INTERVAL_MS = 60_000;

/** Latest observation time (epoch ms) per `campaignId|platform` among the observations. */
export const latestObserved = (index: CampaignIndex, observations: readonly Observation[]) => {
  const latest = new Map<string, { key: string; campaignId: string; platform: string; ms: number }>();
  for (const o of observations) {
    const ms = Date.parse(o.observedAt);
    for (const { campaignId } of associate(index, o)) {
      const key = `${campaignId}|${o.platform}`;
      const seen = latest.get(key);
      if (!seen || ms > seen.ms) latest.set(key, { key, campaignId, platform: o.platform, ms });
    }
  }
  return [...latest.values()];
};

/**
 * One per aggregate process (its handler), so the memory of stored times lives as long as the process.
 * At most one entry per (campaign, platform) of the configuration.
 */
export class FreshnessRecorder {
  private readonly stored = new Map<string, number>();
  private readonly intervalMs: number;

  constructor(private readonly deps: FreshnessDeps) {
    this.intervalMs = deps.writeIntervalMs ?? FRESHNESS_WRITE_INTERVAL_MS;
  }

  /** Records the batch's applied observations; never throws. */
  async record(observations: readonly Observation[]): Promise<void> {
    await Promise.all(
      latestObserved(this.deps.index, observations).map(async ({ key, campaignId, platform, ms }) => {
        const known = this.stored.get(key);
        if (known !== undefined && ms <= known + this.intervalMs) return;
        if (await this.write(campaignId, platform, ms))
          this.stored.set(key, Math.max(this.stored.get(key) ?? ms, ms));
      }),
    );
  }

  /** True when a time >= ms is stored afterwards (written now, or found there). */
  private async write(campaignId: string, platform: string, ms: number): Promise<boolean> {
    try {
      await this.deps.doc.send(
        new UpdateCommand({
          TableName: this.deps.tables.rollups,
          Key: { pk: freshnessPartition(campaignId), sk: platform },
          UpdateExpression: 'SET lastObservedAt = :t, kind = :k',
          ConditionExpression: 'attribute_not_exists(lastObservedAt) OR lastObservedAt < :t',
          ExpressionAttributeValues: { ':t': new Date(ms).toISOString(), ':k': 'freshness' },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionalCheckFailed(e)) return true;
      this.deps.logger.warn('could not record when the figures were last observed', {
        campaignId,
        platform,
        error: (e as Error).message,
      });
      return false;
    }
  }
}
