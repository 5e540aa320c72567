import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecentEventsResponseSchema } from '../../functions/report/schemas';
import { type ReportServer, startReportServer } from '../../infra/local/api-gateway';
import { CAMPAIGN_ID, seedRollups, seedRows, testHandler } from '../integration/report/fixtures';
import { withDynamo } from '../support/engines';
import { seedSpikes } from '../support/spike-records';

let dynamo: Awaited<ReturnType<typeof withDynamo>>;
let server: ReportServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  dynamo = await withDynamo();
  await seedRollups(dynamo.doc, dynamo.tables.rollups, seedRows());
  await seedSpikes(dynamo.doc, dynamo.tables.rollups, CAMPAIGN_ID, [
    { scope: { kind: 'campaign' }, metric: 'mentions', hour: '2026-03-04T09', value: 40 },
    { scope: { kind: 'kol', kolId: 'bob' }, metric: 'engagement', hour: '2026-03-05T17', value: 900 },
    { scope: { kind: 'kol', kolId: 'alice' }, metric: 'mentions', hour: '2026-03-03T02', value: 15 },
  ]);
  server = await startReportServer({
    handler: testHandler({ doc: dynamo.doc, rollupsTable: dynamo.tables.rollups }),
  });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${server.url}/#campaign=${CAMPAIGN_ID}&from=2026-03-01&to=2026-03-12`);
  await page.waitForFunction(() => document.querySelector('#status')?.textContent?.startsWith('Showing'));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await dynamo?.close();
});

const recent = async () => {
  const res = await fetch(`${server.url}/campaigns/${CAMPAIGN_ID}/events/recent?limit=20`);
  return RecentEventsResponseSchema.parse(await res.json()).items;
};

describe('dashboard: campaign events', () => {
  it('lists the recent events the API returns, in its order', async () => {
    const items = await recent();
    const shown = await page.$$eval('#events li', (lis) =>
      lis.map((li) => (li as HTMLElement).dataset.eventId),
    );
    expect(shown).toEqual(items.map((e) => e.eventId));
    expect(await page.textContent('#events li:first-child')).toContain('KOL bob');
  });

  it('marks the campaign spikes on the totals chart and a KOL spike on its series chart', async () => {
    const items = await recent();
    const campaignDays = items.filter((e) => e.scope.kind === 'campaign').map((e) => e.day);
    expect(await page.getAttribute('#totals-chart', 'data-spike-days')).toBe(campaignDays.join(','));
    await page.click('#leaderboard button.kol[data-kol="bob"]');
    await page.waitForFunction(
      () => document.querySelector('#series-name')?.textContent === 'Bob, "the" Builder',
    );
    const bobDays = items.filter((e) => e.scope.kind === 'kol' && e.scope.kolId === 'bob').map((e) => e.day);
    expect(bobDays).toEqual(['2026-03-06']);
    await page.waitForFunction(
      () => document.querySelector('#series-chart')?.getAttribute('data-spike-days') === '2026-03-06',
    );
    expect(pageErrors).toEqual([]);
  });
});
