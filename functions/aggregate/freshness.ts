import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { freshnessPartition } from '../../shared/keys';
import type { Observation } from '../../shared/observation';
import { associate, type CampaignIndex } from './matching';
import { isConditionalCheckFailed } from './rollup-update';

/**
 * When each campaign's figures were last observed, per platform (docs/data-model.md, "Freshness"): after a
 * batch, the latest `observedAt` among the observations it applied, per (campaign, platform), is written
 * with `SET lastObservedAt` under the condition that no later time is stored. A failed condition means a
 * later time is already there, so it is dropped: the value never moves back, whatever the delivery order,
 * and costs one write per (campaign, platform) a batch touched. It is metadata: a failure is logged and
 * never fails the batch, and the next batch writes it again.
 */
export interface FreshnessDeps {
  doc: DynamoDBDocumentClient;
  rollupsTable: string;
  index: CampaignIndex;
  log: { warn: (message: string, extra: Record<string, unknown>) => void };
}

/** Latest observation time (epoch ms) per `campaignId|platform` among the observations. */
export const latestObserved = (index: CampaignIndex, observations: readonly Observation[]) => {
  const latest = new Map<string, { campaignId: string; platform: string; ms: number }>();
  for (const o of observations) {
    const ms = Date.parse(o.observedAt);
    for (const { campaignId } of associate(index, o)) {
      const key = `${campaignId}|${o.platform}`;
      const seen = latest.get(key);
      if (!seen || ms > seen.ms) latest.set(key, { campaignId, platform: o.platform, ms });
    }
  }
  return [...latest.values()];
};

export const recordFreshness = async (
  deps: FreshnessDeps,
  observations: readonly Observation[],
): Promise<void> => {
  await Promise.all(
    latestObserved(deps.index, observations).map(async ({ campaignId, platform, ms }) => {
      try {
        await deps.doc.send(
          new UpdateCommand({
            TableName: deps.rollupsTable,
            Key: { pk: freshnessPartition(campaignId), sk: platform },
            UpdateExpression: 'SET lastObservedAt = :t, kind = :k',
            ConditionExpression: 'attribute_not_exists(lastObservedAt) OR lastObservedAt < :t',
            ExpressionAttributeValues: { ':t': new Date(ms).toISOString(), ':k': 'freshness' },
          }),
        );
      } catch (e) {
        if (!isConditionalCheckFailed(e))
          deps.log.warn('could not record when the figures were last observed', {
            campaignId,
            platform,
            error: (e as Error).message,
          });
      }
    }),
  );
};
