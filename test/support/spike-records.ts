import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { EVENT_VERSION, type EventDetail, eventIdOf, type SpikeScope } from '../../shared/events/schemas';
import { spikeRecordKey } from '../../shared/keys';

export interface SeedSpike {
  scope: SpikeScope;
  metric: 'mentions' | 'engagement';
  /** `2026-03-04T09` */
  hour: string;
  value: number;
}

/** Spike records as the aggregate writes them (functions/aggregate/batch-events.ts). */
export const seedSpikes = async (
  doc: DynamoDBDocumentClient,
  table: string,
  campaignId: string,
  spikes: readonly SeedSpike[],
): Promise<EventDetail<'SpikeDetected'>[]> => {
  const details = spikes.map(
    (s): EventDetail<'SpikeDetected'> => ({
      eventId: eventIdOf('SpikeDetected', 'test', campaignId, JSON.stringify(s.scope), s.metric, s.hour),
      version: EVENT_VERSION,
      stage: 'test',
      emittedAt: `${s.hour}:40:00.000Z`,
      campaignId,
      scope: s.scope,
      metric: s.metric,
      hour: `${s.hour}:00:00Z`,
      value: s.value,
      baseline: s.value / 10,
      factor: 3,
      minCount: 5,
      baselineHours: 24,
    }),
  );
  for (const detail of details)
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...spikeRecordKey(campaignId, detail.hour.slice(0, 13), detail.eventId),
          kind: 'spike',
          detail,
          published: true,
        },
      }),
    );
  return details;
};
