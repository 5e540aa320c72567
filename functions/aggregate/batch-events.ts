import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { forEachLimited } from '../../shared/batches';
import type { KolPulseConfig } from '../../shared/config';
import { type EventLog, publishAndLog } from '../../shared/events/from-env';
import type { EventPublisher } from '../../shared/events/publisher';
import {
  type CampaignEvent,
  EVENT_VERSION,
  type EventDetail,
  eventIdOf,
  type SpikeScope,
} from '../../shared/events/schemas';
import {
  campaignHourPartitions,
  kolHourKey,
  kolSeriesPartition,
  spikeRecordKey,
  voiceHourKey,
} from '../../shared/keys';
import type { Observation } from '../../shared/observation';
import { visibleRollupItems } from '../../shared/rollup-chains';
import { hourStartMs } from './hourly';
import type { CampaignIndex } from './matching';
import { isConditionalCheckFailed } from './rollup-update';
import { baselineHoursOf, detectSpikes, type HourFigures, type SpikeTarget, touchedBy } from './spikes';

/**
 * Campaign events of one aggregate batch, run only after the batch's rollups are committed (docs/events.md):
 * one KolDayFiguresChanged per KOL day the batch touched (coalesced; the id hashes the figures, so a
 * duplicate delivery that changed nothing repeats the same id) and SpikeDetected for the recent hours of
 * alerting scopes. A spike is first recorded (`C#{campaign}#EV`, conditional put, deterministic key), then
 * published, then marked published: a crash in between republishes it later (at least once, same eventId);
 * once marked, later batches do not publish it again. Nothing here can fail the batch.
 */
export interface BatchEventsDeps {
  doc: DynamoDBDocumentClient;
  rollupsTable: string;
  config: KolPulseConfig;
  index: CampaignIndex;
  publisher: EventPublisher;
  stage: string;
  now: () => number;
  log: EventLog;
}

/** Spike records expire after 30 days. */
const SPIKE_RECORD_TTL_SECONDS = 30 * 86_400;
/** Queries of the event step in flight at once (the bench's read model counts its round trips). */
export const READ_CONCURRENCY = 8;

const COUNTER_PROJECTION = { '#sk': 'sk', '#m': 'mentions', '#l': 'likes', '#s': 'shares', '#c': 'comments' };

const queryRows = async (deps: BatchEventsDeps, pk: string, from: string, to: string, extra = false) => {
  const rows: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await deps.doc.send(
      new QueryCommand({
        TableName: deps.rollupsTable,
        KeyConditionExpression: 'pk = :pk AND #sk BETWEEN :from AND :to',
        ProjectionExpression: `#pk, #sk, #m, #l, #s, #c${extra ? ', #v' : ''}`,
        ExpressionAttributeNames: { '#pk': 'pk', ...COUNTER_PROJECTION, ...(extra ? { '#v': 'views' } : {}) },
        ExpressionAttributeValues: { ':pk': pk, ':from': from, ':to': `${to}#~` },
        ExclusiveStartKey: start,
      }),
    );
    rows.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  // A KOL day's closed buckets may be folded (fold.ts): count the fold and the buckets after it once.
  return visibleRollupItems(rows);
};

const num = (v: unknown) => (typeof v === 'number' ? v : 0);

const kolDayEvent = async (
  deps: BatchEventsDeps,
  t: { campaignId: string; kolId: string; day: string },
): Promise<CampaignEvent> => {
  const rows = await queryRows(deps, kolSeriesPartition(t.campaignId, t.kolId), t.day, t.day, true);
  const sum = (m: string) => rows.reduce((n, r) => n + num(r[m]), 0);
  const withViews = rows.filter((r) => typeof r.views === 'number');
  const figures = {
    mentions: sum('mentions'),
    likes: sum('likes'),
    shares: sum('shares'),
    comments: sum('comments'),
    views: withViews.length > 0 ? sum('views') : null,
    engagement: sum('likes') + sum('shares') + sum('comments'),
  };
  const detail: EventDetail<'KolDayFiguresChanged'> = {
    eventId: eventIdOf(
      'KolDayFiguresChanged',
      deps.stage,
      t.campaignId,
      t.kolId,
      t.day,
      JSON.stringify(figures),
    ),
    version: EVENT_VERSION,
    stage: deps.stage,
    emittedAt: new Date(deps.now()).toISOString(),
    ...t,
    figures,
  };
  return { detailType: 'KolDayFiguresChanged', detail };
};

/** The partitions holding a scope's hours: the campaign's are spread over its shards (plus the legacy one). */
const hourPartitions = (campaignId: string, scope: SpikeScope): string[] =>
  scope.kind === 'campaign'
    ? campaignHourPartitions(campaignId)
    : scope.kind === 'kol'
      ? [kolHourKey(campaignId, scope.kolId, '').pk]
      : [voiceHourKey(campaignId, scope.platform, scope.userId, '').pk];

/**
 * An hourly series summed over partitions, shards and buckets: the hour is the first 13 characters of every
 * sort key. The partitions are read concurrently.
 */
export const readHourSeries = async (
  deps: BatchEventsDeps,
  pks: readonly string[],
  from: string,
  to: string,
): Promise<Map<string, HourFigures>> => {
  const series = new Map<string, HourFigures>();
  const perPartition = await Promise.all(pks.map((pk) => queryRows(deps, pk, from, to)));
  for (const row of perPartition.flat()) {
    const hour = String(row.sk).slice(0, 13);
    const f = series.get(hour) ?? { mentions: 0, engagement: 0 };
    f.mentions += num(row.mentions);
    f.engagement += num(row.likes) + num(row.shares) + num(row.comments);
    series.set(hour, f);
  }
  return series;
};

const spikeEvents = async (deps: BatchEventsDeps, target: SpikeTarget): Promise<CampaignEvent[]> => {
  const alert = deps.config.campaigns.find((c) => c.id === target.campaignId)?.alerts?.spike;
  if (!alert) return [];
  const from = baselineHoursOf(target.hour, alert.baselineHours)[0] ?? target.hour;
  const series = await readHourSeries(
    deps,
    hourPartitions(target.campaignId, target.scope),
    from,
    target.hour,
  );
  return detectSpikes(series, target.hour, alert).map((finding) => ({
    detailType: 'SpikeDetected' as const,
    detail: {
      eventId: eventIdOf(
        'SpikeDetected',
        deps.stage,
        target.campaignId,
        JSON.stringify(target.scope),
        finding.metric,
        target.hour,
      ),
      version: EVENT_VERSION,
      stage: deps.stage,
      emittedAt: new Date(deps.now()).toISOString(),
      campaignId: target.campaignId,
      scope: target.scope,
      metric: finding.metric,
      hour: `${target.hour}:00:00Z`,
      value: finding.value,
      baseline: finding.baseline,
      factor: alert.factor,
      minCount: alert.minCount,
      baselineHours: alert.baselineHours,
    },
  }));
};

/** Records a spike once; true when it still has to be published (new, or recorded but never published). */
const recordSpike = async (deps: BatchEventsDeps, detail: EventDetail<'SpikeDetected'>): Promise<boolean> => {
  const key = spikeRecordKey(detail.campaignId, detail.hour.slice(0, 13), detail.eventId);
  try {
    await deps.doc.send(
      new PutCommand({
        TableName: deps.rollupsTable,
        Item: {
          ...key,
          kind: 'spike',
          detail,
          published: false,
          expiresAt: Math.floor(hourStartMs(detail.hour.slice(0, 13)) / 1000) + SPIKE_RECORD_TTL_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (e) {
    if (!isConditionalCheckFailed(e)) throw e;
    const read = await deps.doc.send(
      new GetCommand({
        TableName: deps.rollupsTable,
        Key: key,
        ConsistentRead: true,
        ProjectionExpression: 'published',
      }),
    );
    return read.Item?.published !== true;
  }
};

const markPublished = (deps: BatchEventsDeps, detail: EventDetail<'SpikeDetected'>) =>
  deps.doc.send(
    new UpdateCommand({
      TableName: deps.rollupsTable,
      Key: spikeRecordKey(detail.campaignId, detail.hour.slice(0, 13), detail.eventId),
      UpdateExpression: 'SET published = :t',
      ExpressionAttributeValues: { ':t': true },
    }),
  );

/** The post-commit step of a batch; returns the number of events published. Never throws. */
export const publishBatchEvents = async (
  deps: BatchEventsDeps,
  observations: readonly Observation[],
): Promise<number> => {
  try {
    const touched = touchedBy(observations, deps.index, deps.config, deps.now());
    const events: CampaignEvent[] = [];
    await forEachLimited([...touched.kolDays.values()], READ_CONCURRENCY, async (t) => {
      events.push(await kolDayEvent(deps, t));
    });
    const spikes: EventDetail<'SpikeDetected'>[] = [];
    await forEachLimited([...touched.spikeTargets.values()], READ_CONCURRENCY, async (target) => {
      for (const spike of await spikeEvents(deps, target))
        if (spike.detailType === 'SpikeDetected' && (await recordSpike(deps, spike.detail)))
          spikes.push(spike.detail);
    });
    events.push(...spikes.map((detail) => ({ detailType: 'SpikeDetected' as const, detail })));
    const published = await publishAndLog(deps.publisher, events, deps.log);
    if (published === events.length) await Promise.all(spikes.map((s) => markPublished(deps, s)));
    return published;
  } catch (e) {
    deps.log.error('campaign events of the batch not published', { error: e });
    return 0;
  }
};
