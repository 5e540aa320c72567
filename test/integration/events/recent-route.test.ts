import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecentEventsResponseSchema } from '../../../functions/report/schemas';
import { withDynamo } from '../../support/engines';
import { withGrantsOf } from '../../support/iam-guard';
import { seedSpikes } from '../../support/spike-records';
import { CAMPAIGN_ID, get, testHandler } from '../report/fixtures';

let dynamo: Awaited<ReturnType<typeof withDynamo>>;
let handler: ReturnType<typeof testHandler>;

beforeAll(async () => {
  dynamo = await withDynamo();
  await seedSpikes(dynamo.doc, dynamo.tables.rollups, CAMPAIGN_ID, [
    { scope: { kind: 'campaign' }, metric: 'mentions', hour: '2026-03-04T09', value: 40 },
    { scope: { kind: 'kol', kolId: 'alice' }, metric: 'engagement', hour: '2026-03-05T17', value: 900 },
    {
      scope: { kind: 'voice', platform: 'x', userId: 'u-9', handle: '=cmd' },
      metric: 'mentions',
      hour: '2026-03-02T01',
      value: 12,
    },
  ]);
  await seedSpikes(dynamo.doc, dynamo.tables.rollups, 'other-campaign', [
    { scope: { kind: 'campaign' }, metric: 'mentions', hour: '2026-03-06T09', value: 99 },
  ]);
  // Only what the deployed report role may do (infra/stacks/table-grants.ts).
  handler = testHandler({
    doc: withGrantsOf(dynamo.doc, 'report', dynamo.tables),
    rollupsTable: dynamo.tables.rollups,
  });
});
afterAll(async () => {
  await dynamo?.close();
});

describe('GET /campaigns/{id}/events/recent', () => {
  it("lists the campaign's spikes newest hour first, with the campaign day of each hour", async () => {
    const res = await get(handler, `/campaigns/${CAMPAIGN_ID}/events/recent`);
    expect(res.status).toBe(200);
    const body = RecentEventsResponseSchema.parse(res.json());
    expect(body.items.map((e) => [e.hour, e.day, e.scope.kind])).toEqual([
      ['2026-03-05T17:00:00Z', '2026-03-06', 'kol'], // Asia/Shanghai: 17:00 UTC is the next day
      ['2026-03-04T09:00:00Z', '2026-03-04', 'campaign'],
      ['2026-03-02T01:00:00Z', '2026-03-02', 'voice'],
    ]);
  });

  it('honours limit, answers CSV, and refuses bad input', async () => {
    const one = RecentEventsResponseSchema.parse(
      (await get(handler, `/campaigns/${CAMPAIGN_ID}/events/recent?limit=1`)).json(),
    );
    expect(one.items).toHaveLength(1);
    const csv = await get(handler, `/campaigns/${CAMPAIGN_ID}/events/recent?format=csv`);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body.split('\r\n')[0]).toBe('hour,day,scope,metric,value,baseline,factor,eventId');
    expect(csv.body).toContain(',voice:x:=cmd,');
    const bad = await get(handler, `/campaigns/${CAMPAIGN_ID}/events/recent?limit=0`);
    expect(bad.status).toBe(400);
    expect((bad.json() as { error: { parameter: string } }).error.parameter).toBe('limit');
    expect((await get(handler, `/campaigns/${CAMPAIGN_ID}/events/recent?since=1`)).status).toBe(400);
    expect((await get(handler, '/campaigns/nope/events/recent')).status).toBe(404);
  });
});
