import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReportHandler } from '../../../functions/report/app';
import { ObservedSchema } from '../../../functions/report/schemas';
import { parseConfig } from '../../../shared/config';
import { withDynamo } from '../../support/engines';
import { makeMessage, makeObservation, makeSqsRecord } from '../../support/observations';
import { aggregateHandler, deliverAll, silentLogger } from '../aggregate/harness';
import { get } from './fixtures';

/** Rollup responses say when their figures were last observed, per platform; the time never moves back. */
const config = parseConfig({
  campaigns: [
    { id: 'launch', name: 'Launch', hashtags: ['#NextIdea'], start: '2026-03-01' },
    { id: 'other', name: 'Other', hashtags: ['#Elsewhere'], start: '2026-03-01' },
  ],
});
const NOW = Date.parse('2026-03-06T12:00:00Z');

const observation = (postId: string, platform: 'x' | 'bluesky', observedAt: string, likes: number) =>
  makeObservation({
    platform,
    postId,
    publishedAt: '2026-03-05T08:00:00.000Z',
    observedAt,
    counters: { likes, shares: 0, comments: 0 },
  });

describe('freshness of the figures (observed)', () => {
  let dynamo: Awaited<ReturnType<typeof withDynamo>>;
  beforeAll(async () => {
    dynamo = await withDynamo();
  });
  afterAll(() => dynamo.close());

  it('reports the latest observation applied per platform, in JSON and as a CSV header, never moving back', async () => {
    const report = createReportHandler({
      config,
      doc: dynamo.doc,
      rollupsTable: dynamo.tables.rollups,
      logger: silentLogger(),
      now: () => NOW,
    });
    const before = (await get(report, '/campaigns/launch/totals')).json() as { observed: unknown };
    expect(ObservedSchema.parse(before.observed)).toEqual({ lastObservedAt: null, platforms: {} });

    const aggregate = aggregateHandler(dynamo.doc, dynamo.tables, config, NOW);
    const batch = (...o: ReturnType<typeof observation>[]) => [makeSqsRecord(makeMessage(o))];
    // The newest snapshot first, an older one of the same post after it, and a Bluesky post.
    await deliverAll(aggregate, [
      batch(observation('x1', 'x', '2026-03-06T11:00:00.000Z', 5)),
      batch(observation('x1', 'x', '2026-03-06T10:00:00.000Z', 3)),
      batch(observation('b1', 'bluesky', '2026-03-06T09:30:00.000Z', 1)),
    ]);

    const body = (await get(report, '/campaigns/launch/totals')).json() as { observed: unknown };
    expect(ObservedSchema.parse(body.observed)).toEqual({
      lastObservedAt: '2026-03-06T11:00:00.000Z',
      platforms: { bluesky: '2026-03-06T09:30:00.000Z', x: '2026-03-06T11:00:00.000Z' },
    });
    const bluesky = (await get(report, '/campaigns/launch/leaderboard?platform=bluesky')).json() as {
      observed: unknown;
    };
    expect(ObservedSchema.parse(bluesky.observed).lastObservedAt).toBe('2026-03-06T09:30:00.000Z');
    const csv = await get(report, '/campaigns/launch/voices?format=csv');
    expect(csv.headers['x-last-observed-at']).toBe('2026-03-06T11:00:00.000Z');
    const other = (await get(report, '/campaigns/other/totals')).json() as { observed: unknown };
    expect(ObservedSchema.parse(other.observed).lastObservedAt).toBeNull();
  });
});
