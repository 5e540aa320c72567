import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishBatchEvents } from '../../../functions/aggregate/batch-events';
import { buildCampaignIndex } from '../../../functions/aggregate/matching';
import { parseConfig } from '../../../shared/config';
import type { CampaignEvent } from '../../../shared/events/schemas';
import { kolDayKey, rollupBucketSk } from '../../../shared/keys';
import { rollupFoldSk } from '../../../shared/rollup-chains';
import { withDynamo } from '../../support/engines';
import { makeObservation } from '../../support/observations';
import { type Dynamo, freshTables } from '../aggregate/harness';

const config = parseConfig({
  campaigns: [
    {
      id: 'launch',
      name: 'Launch',
      hashtags: ['NextIdea'],
      start: '2026-03-01',
      kols: [{ id: 'ada', name: 'Ada', accounts: [{ platform: 'x', handle: 'ada', userId: 'x-ada' }] }],
    },
  ],
});

/** A KOL day whose first two buckets closed and were folded: its event counts the fold and bucket 2 once. */
describe('KolDayFiguresChanged over a folded bucket chain', () => {
  let dynamo: Dynamo;
  beforeAll(async () => {
    dynamo = await withDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('sums the latest fold and the buckets after it, never the folded buckets again', async () => {
    const { rollups } = await freshTables(dynamo);
    const key = kolDayKey('launch', 'ada', '2026-03-06', 'x');
    const row = (sk: string, likes: number, mentions = 1) =>
      dynamo.doc.send(
        new PutCommand({
          TableName: rollups,
          Item: { pk: key.pk, sk, mentions, likes, shares: 0, comments: 0 },
        }),
      );
    await row(rollupBucketSk(key.sk, 0), 10);
    await row(rollupBucketSk(key.sk, 1), 20);
    await row(rollupFoldSk(key.sk, 1), 30, 2); // buckets 0 and 1
    await row(rollupBucketSk(key.sk, 2), 5);
    const published: CampaignEvent[] = [];
    await publishBatchEvents(
      {
        doc: dynamo.doc,
        rollupsTable: rollups,
        config,
        index: buildCampaignIndex(config),
        publisher: {
          description: 'test',
          publish: async (events) => {
            published.push(...events);
            return { published: events.length, failed: [], calls: 1 };
          },
        },
        stage: 'test',
        now: () => Date.parse('2026-03-06T12:00:00Z'),
        log: { warn: () => undefined, error: () => undefined },
      },
      [makeObservation({ author: { id: 'x-ada', handle: 'ada' } })],
    );
    const day = published.find((e) => e.detailType === 'KolDayFiguresChanged');
    expect(day?.detail).toMatchObject({
      kolId: 'ada',
      day: '2026-03-06',
      figures: { mentions: 3, likes: 35 },
    });
  });
});
