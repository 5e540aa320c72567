import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoBudgetLedger } from '../../../functions/poll/budget-ledger';
import { createReportHandler } from '../../../functions/report/app';
import { parseConfig } from '../../../shared/config';
import { withDynamo } from '../../support/engines';
import { get, quietLogger } from './fixtures';

describe('GET /budgets', () => {
  let dynamo: Awaited<ReturnType<typeof withDynamo>>;
  beforeAll(async () => {
    dynamo = await withDynamo();
  });
  afterAll(() => dynamo.close());

  it("shows each enabled platform's budget use from its poller's ledger summary", async () => {
    const config = parseConfig({
      campaigns: [{ id: 'launch', name: 'Launch', hashtags: ['#launch'], start: '2025-01-01' }],
      platforms: { x: { budget: { usdPerMonth: 300 } }, youtube: {} },
    });
    await new DynamoBudgetLedger(dynamo.doc, dynamo.tables.state, 'x').saveSummary({
      platform: 'x',
      at: '2025-07-10T12:00:00.000Z',
      quotas: [{ name: 'usd', unit: 'reads', period: 'month', used: 15_000, limit: 60_000 }],
      refreshed: 40,
      lastRefreshAt: '2025-07-10T12:00:00.000Z',
      usdThisMonth: 75,
    });
    const handler = createReportHandler({
      config,
      doc: dynamo.doc,
      rollupsTable: dynamo.tables.rollups,
      stateTable: dynamo.tables.state,
      logger: quietLogger(),
    });
    const response = await get(handler, '/budgets');
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({
      items: [
        {
          platform: 'x',
          at: '2025-07-10T12:00:00.000Z',
          quotas: [
            { name: 'usd', unit: 'reads', period: 'month', used: 15_000, limit: 60_000, fraction: 0.25 },
          ],
          lastRefreshAt: '2025-07-10T12:00:00.000Z',
          usdThisMonth: 75,
        },
        { platform: 'youtube', at: null, quotas: [], lastRefreshAt: null, usdThisMonth: null },
      ],
    });
  });
});
