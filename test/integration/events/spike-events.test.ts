import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateDepsFromEnv, createAggregateHandler } from '../../../functions/aggregate/app';
import { functionEnv } from '../../../infra/local/function-env';
import { parseConfig } from '../../../shared/config';
import { createPublisher, fileSink } from '../../../shared/events/publisher';
import { parseEvent } from '../../../shared/events/schemas';
import { legacyCampaignHourPartition } from '../../../shared/keys';
import type { Observation } from '../../../shared/observation';
import { SeededRandom } from '../../../shared/random';
import { withDynamo } from '../../support/engines';
import { withGrantsOf } from '../../support/iam-guard';
import { makeMessage, makeObservation, makeSqsRecord } from '../../support/observations';
import { aggregateHandler, deliverAll, freshTables, silentLogger } from '../aggregate/harness';

const config = parseConfig({
  campaigns: [
    {
      id: 'launch',
      name: 'Launch',
      hashtags: ['#NextIdea'],
      start: '2026-03-01',
      kols: [{ id: 'ada', name: 'Ada', accounts: [{ platform: 'x', handle: 'ada' }] }],
      alerts: { spike: { factor: 3, minCount: 5, baselineHours: 24 } },
    },
  ],
});

const SPIKE_HOUR = Date.parse('2026-03-06T12:00:00Z');
const NOW = SPIKE_HOUR + 40 * 60_000;

/** Ada posts once an hour for a day, then 12 times in the spike hour; a voice posts once an hour throughout. */
const generated = (): Observation[] => {
  const out: Observation[] = [];
  const post = (id: string, author: string, publishedMs: number) =>
    out.push(
      makeObservation({
        postId: id,
        author: { id: `u-${author}`, handle: author },
        publishedAt: new Date(publishedMs).toISOString(),
        observedAt: new Date(Math.min(publishedMs + 10 * 60_000, NOW)).toISOString(),
        counters: { likes: 2, shares: 0, comments: 1 },
      }),
    );
  for (let h = 24; h >= 1; h--) {
    post(`ada-${h}`, 'ada', SPIKE_HOUR - h * 3_600_000 + 5 * 60_000);
    post(`voice-${h}`, 'bob', SPIKE_HOUR - h * 3_600_000 + 7 * 60_000);
  }
  for (let i = 0; i < 12; i++) post(`ada-spike-${i}`, 'ada', SPIKE_HOUR + i * 2 * 60_000);
  post('voice-now', 'bob', SPIKE_HOUR + 60_000);
  return out;
};

const records = (observations: readonly Observation[], perMessage: number) => {
  const out = [];
  for (let i = 0; i < observations.length; i += perMessage)
    out.push(makeSqsRecord(makeMessage(observations.slice(i, i + perMessage))));
  return out;
};

const readEvents = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map(
      (line) =>
        JSON.parse(line) as { source: string; 'detail-type': string; detail: Record<string, unknown> },
    );

let dynamo: Awaited<ReturnType<typeof withDynamo>>;
beforeAll(async () => {
  dynamo = await withDynamo();
});
afterAll(async () => {
  await dynamo?.close();
});

/** Runs the aggregate over `batches` with a file sink; returns the events file. */
const run = async (batches: ReturnType<typeof records>[]) => {
  const tables = await freshTables(dynamo);
  const file = join(mkdtempSync(join(tmpdir(), 'kol-events-')), 'events.ndjson');
  const handler = aggregateHandler(dynamo.doc, tables, config, NOW, {
    events: createPublisher(fileSink(file), 'local'),
    stage: 'test',
  });
  await deliverAll(handler, batches);
  return { file, handler };
};

const spikeIds = (file: string) =>
  new Set(
    readEvents(file)
      .filter((e) => e['detail-type'] === 'SpikeDetected')
      .map((e) => String(e.detail.eventId)),
  );

/** The aggregate exactly as the twin builds it: from functionEnv (EVENTS_FILE) through aggregateDepsFromEnv. */
const runAsTwin = async (batches: ReturnType<typeof records>[]) => {
  const tables = await freshTables(dynamo);
  const dir = mkdtempSync(join(tmpdir(), 'kol-twin-'));
  const campaignsFile = join(dir, 'campaigns.json');
  writeFileSync(campaignsFile, JSON.stringify(config));
  const eventsFile = join(dir, 'events.ndjson');
  const env = functionEnv('aggregate', {
    tables,
    queues: { events: '', eventsDlq: '' },
    campaignsFile,
    eventsFile,
  });
  const deps = aggregateDepsFromEnv(env, {
    doc: withGrantsOf(dynamo.doc, 'aggregate', tables),
    logger: silentLogger(),
  });
  await deliverAll(createAggregateHandler({ ...deps, now: () => NOW }), batches);
  return { file: eventsFile };
};

describe('Campaign events from the aggregate, written by the twin file sink', () => {
  it('publishes a spike of the KOL and of the campaign in the spike hour, none for the flat voice', async () => {
    // Act
    const { file } = await runAsTwin([records(generated(), 10)]);
    // Assert
    const events = readEvents(file);
    for (const e of events)
      expect(() => parseEvent({ detailType: e['detail-type'], detail: e.detail })).not.toThrow();
    const spikes = events.filter((e) => e['detail-type'] === 'SpikeDetected').map((e) => e.detail);
    expect(spikes.map((s) => [s.scope, s.metric, s.hour, s.value]).sort()).toEqual(
      [
        [{ kind: 'campaign' }, 'mentions', '2026-03-06T12:00:00Z', 13],
        [{ kind: 'campaign' }, 'engagement', '2026-03-06T12:00:00Z', 39],
        [{ kind: 'kol', kolId: 'ada' }, 'mentions', '2026-03-06T12:00:00Z', 12],
        [{ kind: 'kol', kolId: 'ada' }, 'engagement', '2026-03-06T12:00:00Z', 36],
      ].sort(),
    );
    const dayEvents = events.filter((e) => e['detail-type'] === 'KolDayFiguresChanged');
    const last = dayEvents.filter((e) => e.detail.day === '2026-03-06').at(-1)?.detail;
    expect(last?.figures).toEqual({
      mentions: 24,
      likes: 48,
      shares: 0,
      comments: 24,
      views: null,
      engagement: 72,
    });
  });

  it('gives the same spikes under shuffled, duplicated, re-batched deliveries, and publishes each once', async () => {
    // Arrange
    const random = new SeededRandom(3);
    const all = generated();
    const shuffled = random.shuffle([...all, ...all.filter(() => random.next() < 0.4)]);
    // Act
    const inOrder = await run([records(all, 50)]);
    const reordered = await run([records(shuffled, 3)]);
    const before = readEvents(reordered.file).length;
    await deliverAll(reordered.handler, [records(all, 7)]); // a full redelivery
    // Assert
    expect(spikeIds(reordered.file)).toEqual(spikeIds(inOrder.file));
    expect(spikeIds(inOrder.file).size).toBe(4);
    const after = readEvents(reordered.file).slice(before);
    expect(after.filter((e) => e['detail-type'] === 'SpikeDetected')).toEqual([]);
    // The redelivery changed no figures, so its KolDayFiguresChanged repeat ids already published.
    const earlierIds = new Set(
      readEvents(reordered.file)
        .slice(0, before)
        .map((e) => e.detail.eventId),
    );
    for (const e of after) expect(earlierIds.has(e.detail.eventId)).toBe(true);
  });

  it('counts campaign hours written under the legacy single partition (C#{c}#H) in the baseline', async () => {
    // Arrange: a stack upgraded within the hourly items' 8-day life holds the baseline hours under the
    // legacy key; without reading it the campaign's baseline would look empty and raise a false spike.
    const tables = await freshTables(dynamo);
    for (let h = 24; h >= 1; h--) {
      const hour = new Date(SPIKE_HOUR - h * 3_600_000).toISOString().slice(0, 13);
      await dynamo.doc.send(
        new PutCommand({
          TableName: tables.rollups,
          Item: {
            pk: legacyCampaignHourPartition('launch'),
            sk: `${hour}#1`,
            kind: 'campaignHour',
            mentions: 10,
            likes: 0,
            shares: 0,
            comments: 0,
          },
        }),
      );
    }
    const file = join(mkdtempSync(join(tmpdir(), 'kol-events-')), 'events.ndjson');
    const handler = aggregateHandler(dynamo.doc, tables, config, NOW, {
      events: createPublisher(fileSink(file), 'local'),
      stage: 'test',
    });
    // Act
    await deliverAll(handler, [records(generated(), 10)]);
    // Assert: 13 mentions against a baseline of 12 an hour is no spike; engagement (legacy hours hold none) is.
    const spikes = readEvents(file)
      .filter((e) => e['detail-type'] === 'SpikeDetected')
      .map((e) => [e.detail.scope, e.detail.metric, e.detail.value, e.detail.baseline]);
    expect(spikes.filter(([scope]) => (scope as { kind: string }).kind === 'campaign')).toEqual([
      [{ kind: 'campaign' }, 'engagement', 39, 6],
    ]);
  });
});
