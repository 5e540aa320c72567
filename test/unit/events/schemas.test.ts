import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { budgetNearlySpentEvent, pollerBehindEvent } from '../../../shared/events/builders';
import {
  type CampaignEvent,
  DETAIL_TYPES,
  EVENT_SCHEMAS,
  jsonSchemaOf,
} from '../../../shared/events/schemas';

const docsSchema = (detailType: string) =>
  JSON.parse(readFileSync(resolve('docs/events', `${detailType}.schema.json`), 'utf8')) as Record<
    string,
    unknown
  >;

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const validatorOf = (detailType: string) => {
  const schema = docsSchema(detailType);
  return ajv.getSchema(String(schema.$id)) ?? ajv.compile(schema);
};

const NOW = Date.parse('2026-11-30T14:05:00Z');
const base = {
  eventId: 'AAAAAAAAAAAAAAAAAAAAAA',
  version: 1,
  stage: 'dev',
  emittedAt: '2026-11-30T14:05:00.000Z',
};
const examples: CampaignEvent[] = [
  {
    detailType: 'KolDayFiguresChanged',
    detail: {
      ...base,
      version: 1,
      campaignId: 'nextidea',
      kolId: 'lin-wei',
      day: '2026-11-30',
      figures: { mentions: 3, likes: 120, shares: 4, comments: 9, views: null, engagement: 133 },
    },
  },
  {
    detailType: 'SpikeDetected',
    detail: {
      ...base,
      version: 1,
      campaignId: 'nextidea',
      scope: { kind: 'voice', platform: 'bluesky', userId: 'did:plc:abc', handle: 'someone.bsky.social' },
      metric: 'mentions',
      hour: '2026-11-30T13:00:00Z',
      value: 40,
      baseline: 2.5,
      factor: 3,
      minCount: 10,
      baselineHours: 24,
    },
  },
  budgetNearlySpentEvent(
    { platform: 'youtube', budget: 'youtube-units-day', period: '2026-11-30', used: 9_000, limit: 10_000 },
    'dev',
    NOW,
  ) as CampaignEvent,
  pollerBehindEvent(
    {
      platform: 'x',
      pollId: 'x-1',
      stoppedReason: 'deadline',
      searchesResumable: 2,
      lateReadsResumable: 1,
      failures: [],
    },
    'dev',
    NOW,
  ) as CampaignEvent,
];

describe('Event schemas: docs/events/*.schema.json agree with the zod schemas', () => {
  it.each(DETAIL_TYPES)('%s: the documented JSON Schema is the one generated from zod', (detailType) => {
    expect(docsSchema(detailType)).toEqual(jsonSchemaOf(detailType));
  });

  it('every detail type has an example, valid for both the JSON Schema and zod', () => {
    expect(new Set(examples.map((e) => e.detailType))).toEqual(new Set(DETAIL_TYPES));
    for (const { detailType, detail } of examples) {
      const validate = validatorOf(detailType);
      expect(validate(detail), JSON.stringify(validate.errors)).toBe(true);
      expect(EVENT_SCHEMAS[detailType].safeParse(detail).success).toBe(true);
    }
  });

  it.each([
    ['a missing eventId', (d: Record<string, unknown>) => ({ ...d, eventId: undefined })],
    ['an unknown field', (d: Record<string, unknown>) => ({ ...d, extra: 1 })],
    ['a wrong version', (d: Record<string, unknown>) => ({ ...d, version: 2 })],
    ['a local time without Z', (d: Record<string, unknown>) => ({ ...d, emittedAt: '2026-11-30T14:05:00' })],
  ])('both reject %s', (_, mutate) => {
    for (const { detailType, detail } of examples) {
      const bad = JSON.parse(JSON.stringify(mutate(detail as unknown as Record<string, unknown>)));
      expect(validatorOf(detailType)(bad)).toBe(false);
      expect(EVENT_SCHEMAS[detailType].safeParse(bad).success).toBe(false);
    }
  });
});
