import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { type KolPulseConfig, parseConfig } from '../../../shared/config';
import type { Observation } from '../../../shared/observation';
import { SeededRandom } from '../../../shared/random';
import { makeObservation } from '../../support/observations';

/** Helpers of the bounded-item tests: one busy campaign day, and item sizes as DynamoDB counts them. */

export const BUSY_DAY = '2026-03-06';

export const busyConfig = (): KolPulseConfig =>
  parseConfig({
    campaigns: [
      {
        id: 'launch',
        name: 'Launch',
        hashtags: ['NextIdea'],
        timeZone: 'UTC',
        start: '2026-03-01',
        kols: [{ id: 'ada', name: 'Ada', accounts: [{ platform: 'x', handle: 'adatech', userId: 'x-ada' }] }],
      },
    ],
  });

/**
 * `posts` posts of one day on X: most by one prolific outsider (one voice item), some by the roster KOL,
 * the rest by other outsiders; 1-3 snapshots each, all observed the same day.
 */
export const busyDay = (seed: number, posts: number): Observation[] => {
  const rnd = new SeededRandom(seed);
  const observations: Observation[] = [];
  for (let i = 0; i < posts; i++) {
    const pick = rnd.int(0, 9);
    const author =
      pick < 7
        ? { id: 'x-bot', handle: 'bot' }
        : pick < 9
          ? { id: 'x-ada', handle: 'adatech' }
          : { id: `x-${rnd.int(1, 40)}`, handle: 'someone' };
    let likes = 0;
    for (let s = 0; s < rnd.int(1, 3); s++) {
      likes += rnd.int(0, 5);
      observations.push(
        makeObservation({
          postId: `p${i}`,
          author,
          publishedAt: `${BUSY_DAY}T01:00:00.000Z`,
          observedAt: `${BUSY_DAY}T${String(2 + s).padStart(2, '0')}:${String(rnd.int(0, 59)).padStart(2, '0')}:00.000Z`,
          counters: { likes, shares: rnd.int(0, 2), comments: rnd.int(0, 2) },
        }),
      );
    }
  }
  return observations;
};

/** DynamoDB's item size: attribute names plus values (numbers counted generously as their digits). */
export const itemSize = (item: Record<string, unknown>): number => {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    size += Buffer.byteLength(name);
    size += typeof value === 'string' ? Buffer.byteLength(value) : Buffer.byteLength(JSON.stringify(value));
  }
  return size;
};

export const scanAll = async (doc: DynamoDBDocumentClient, table: string) => {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new ScanCommand({ TableName: table, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
};
