import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoBudgetLedger } from '../../functions/poll/budget-ledger';
import {
  DirectLeaderboardSchema,
  DirectResponseSchema,
} from '../../functions/report/direct-response/schemas';
import {
  type LeaderboardResponse,
  LeaderboardResponseSchema,
  SeriesResponseSchema,
  TotalsResponseSchema,
  VoicesResponseSchema,
} from '../../functions/report/schemas';
import { type ReportServer, startReportServer } from '../../infra/local/api-gateway';
import { parseConfig } from '../../shared/config';
import { CAMPAIGN_ID, config, seedRollups, seedRows, testHandler } from '../integration/report/fixtures';
import { postDemoEvents, withFees } from '../support/direct-response-browser';
import { withDynamo } from '../support/engines';

const SCREENSHOT = fileURLToPath(new URL('../../docs/dashboard.png', import.meta.url));

let dynamo: Awaited<ReturnType<typeof withDynamo>>;
let server: ReportServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const foreignRequests: string[] = [];

const api = async (path: string): Promise<unknown> => {
  const res = await fetch(`${server.url}/${path}`);
  expect(res.status).toBe(200);
  return res.json();
};

/** A rate to the two decimals of a percentage the page shows. */
const toShownRate = (rate: number): number => Math.round(rate * 10_000) / 10_000;

/** Text shown in a figure cell, as a number (null for unknown); a percentage (engagement rate) as a ratio. */
const shown = (text: string): number | null => {
  if (text === 'n/a') return null;
  const n = Number(text.replace(/[,%]/g, ''));
  return text.endsWith('%') ? toShownRate(n / 100) : n;
};

const tableRows = (id: string) =>
  page.$$eval(`#${id} tbody tr`, (rows) =>
    rows.map((tr) => ({
      id: (tr as HTMLElement).dataset.id ?? '',
      figures: Object.fromEntries(
        [...tr.querySelectorAll<HTMLElement>('td[data-metric]')].map((td) => [
          td.dataset.metric,
          td.textContent ?? '',
        ]),
      ),
    })),
  );

const figuresShown = (figures: Record<string, string>) =>
  Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, shown(v)]));
const figuresOf = (e: LeaderboardResponse['items'][number] | Record<string, unknown>) => ({
  mentions: e.mentions,
  likes: e.likes,
  shares: e.shares,
  comments: e.comments,
  views: e.views,
  engagement: e.engagement,
  reach: e.reach,
  engagementRate: typeof e.engagementRate === 'number' ? toShownRate(e.engagementRate) : null,
});

beforeAll(async () => {
  dynamo = await withDynamo();
  await seedRollups(dynamo.doc, dynamo.tables.rollups, seedRows());
  await new DynamoBudgetLedger(dynamo.doc, dynamo.tables.state, 'x').saveSummary({
    platform: 'x',
    at: '2025-07-10T12:00:00.000Z',
    quotas: [{ name: 'usd', unit: 'reads', period: 'month', used: 15_000, limit: 60_000 }],
    refreshed: 40,
    lastRefreshAt: '2025-07-10T12:00:00.000Z',
  });
  server = await startReportServer({
    handler: testHandler({
      doc: dynamo.doc,
      rollupsTable: dynamo.tables.rollups,
      stateTable: dynamo.tables.state,
      ...withFees(
        parseConfig({
          campaigns: config.campaigns,
          platforms: { x: { budget: { usdPerMonth: 300 } } },
        }),
      ),
    }),
  });
  await postDemoEvents(server.url, config);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(server.url)) foreignRequests.push(r.url());
  });
  await page.goto(`${server.url}/`);
  await page.waitForFunction(() => document.querySelector('#status')?.textContent?.startsWith('Showing'));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await dynamo?.close();
});

describe('dashboard', () => {
  it('shows the campaign totals exactly as the API reports them', async () => {
    const totals = TotalsResponseSchema.parse(await api(`campaigns/${CAMPAIGN_ID}/totals`));
    expect(await page.inputValue('#from')).toBe(totals.from);
    expect(await page.inputValue('#to')).toBe(totals.to);
    const summary = await page.$$eval('#summary dd', (dds) =>
      Object.fromEntries(dds.map((dd) => [(dd as HTMLElement).dataset.metric, dd.textContent ?? ''])),
    );
    expect(figuresShown(summary)).toEqual(figuresOf(totals.summary));
    expect(await page.isVisible('#demo-badge')).toBe(true);
    expect(await page.$eval('#totals-chart', (c) => (c as HTMLCanvasElement).width)).toBeGreaterThan(0);
  });

  it('shows the leaderboard and re-sorts it by a clicked metric', async () => {
    const byEngagement = LeaderboardResponseSchema.parse(await api(`campaigns/${CAMPAIGN_ID}/leaderboard`));
    let rows = await tableRows('leaderboard');
    expect(rows.map((r) => r.id)).toEqual(byEngagement.items.map((e) => e.kolId));
    rows.forEach((r, i) => {
      expect(figuresShown(r.figures)).toEqual(figuresOf(byEngagement.items[i] ?? {}));
    });

    await page.click('#leaderboard thead button[data-metric="likes"]');
    await page.waitForSelector('#leaderboard th[aria-sort="descending"] button[data-metric="likes"]');
    await page.waitForFunction(() => document.querySelectorAll('#leaderboard tbody tr').length > 0);
    const byLikes = LeaderboardResponseSchema.parse(
      await api(`campaigns/${CAMPAIGN_ID}/leaderboard?metric=likes`),
    );
    rows = await tableRows('leaderboard');
    expect(rows.map((r) => r.id)).toEqual(byLikes.items.map((e) => e.kolId));
  });

  it('shows the reach and engagement rate cards exactly as the API reports them, and sorts by them', async () => {
    const totals = TotalsResponseSchema.parse(await api(`campaigns/${CAMPAIGN_ID}/totals`));
    const card = (metric: string) =>
      page.$eval(`#summary dd[data-metric="${metric}"]`, (dd) => ({
        text: dd.textContent ?? '',
        value: (dd as HTMLElement).dataset.value ?? '',
      }));
    const reach = await card('reach');
    expect(reach.value).toBe(String(totals.summary.reach));
    expect(shown(reach.text)).toBe(totals.summary.reach);
    const rate = await card('engagementRate');
    // The exact ratio rides on the card; the text is that ratio as a percentage.
    expect(rate.value).toBe(String(totals.summary.engagementRate));
    expect(totals.summary.engagementRate).toBe(
      (totals.summary.reachEngagement ?? 0) / (totals.summary.reach ?? Number.NaN),
    );
    expect(rate.text).toMatch(/^-?[\d,]+(\.\d{1,2})?%$/);

    for (const metric of ['engagementRate', 'reach'] as const) {
      await page.click(`#leaderboard thead button[data-metric="${metric}"]`);
      await page.waitForSelector(`#leaderboard th[aria-sort="descending"] button[data-metric="${metric}"]`);
      await page.waitForFunction(() => document.querySelectorAll('#leaderboard tbody tr').length > 0);
      const ranked = LeaderboardResponseSchema.parse(
        await api(`campaigns/${CAMPAIGN_ID}/leaderboard?metric=${metric}`),
      );
      const rows = await tableRows('leaderboard');
      expect(rows.map((r) => r.id)).toEqual(ranked.items.map((e) => e.kolId));
      rows.forEach((r, i) => {
        expect(figuresShown(r.figures)).toEqual(figuresOf(ranked.items[i] ?? {}));
      });
    }
  });

  it("opens a KOL's daily series from the leaderboard", async () => {
    await page.click('#leaderboard button.kol[data-kol="bob"]');
    await page.waitForFunction(
      () => document.querySelector('#series-name')?.textContent === 'Bob, "the" Builder',
    );
    const series = SeriesResponseSchema.parse(await api(`campaigns/${CAMPAIGN_ID}/kols/bob/series`));
    const summary = await page.$$eval('#series-summary dd', (dds) =>
      Object.fromEntries(dds.map((dd) => [(dd as HTMLElement).dataset.metric, dd.textContent ?? ''])),
    );
    expect(figuresShown(summary)).toEqual(figuresOf(series.summary));
    expect(await page.getAttribute('#leaderboard tr.selected', 'data-id')).toBe('bob');
  });

  it('lists discovered voices as the API ranks them', async () => {
    const voices = VoicesResponseSchema.parse(await api(`campaigns/${CAMPAIGN_ID}/voices`));
    const rows = await tableRows('voices');
    expect(rows.map((r) => r.id)).toEqual(voices.items.map((v) => `${v.platform}:${v.handle}`));
    rows.forEach((r, i) => {
      expect(figuresShown(r.figures)).toEqual(figuresOf(voices.items[i] ?? {}));
    });
  });

  it('links every view to its CSV download', async () => {
    for (const id of ['totals-csv', 'leaderboard-csv', 'series-csv', 'voices-csv']) {
      const href = await page.$eval(`#${id}`, (a) => (a as HTMLAnchorElement).href);
      const res = await fetch(href);
      expect(res.headers.get('content-type'), id).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition'), id).toMatch(/^attachment; filename=".+\.csv"$/);
    }
  });

  it('applies a date range and platform filter from the form', async () => {
    await page.fill('#from', '2026-03-02');
    await page.fill('#to', '2026-03-06');
    await page.selectOption('#platform', 'x');
    await page.click('#filters button[type="submit"]');
    await page.waitForFunction(
      () => document.querySelector('#status')?.textContent === 'Showing 2026-03-02 to 2026-03-06 on x.',
    );
    const totals = TotalsResponseSchema.parse(
      await api(`campaigns/${CAMPAIGN_ID}/totals?from=2026-03-02&to=2026-03-06&platform=x`),
    );
    const engagement = await page.textContent('#summary dd[data-metric="engagement"]');
    expect(shown(engagement ?? '')).toBe(totals.summary.engagement);
    // Back to the default view for the screenshot.
    await page.goto(`${server.url}/`);
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.startsWith('Showing'));
    await page.waitForFunction(() => document.querySelector('#leaderboard tr.selected') !== null);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it("shows each platform's budget use in its own panel", async () => {
    await page.waitForSelector('#budgets tr td');
    const rows = await page.$$eval('#budgets tr', (trs) =>
      trs.slice(1).map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    );
    expect(rows).toEqual([['x', 'usd (reads/month)', '15000', '60000', '25%', '2025-07-10T12:00:00.000Z']]);
  });

  it('shows the direct-response cards and ROI table exactly as the API reports them', async () => {
    const totals = DirectResponseSchema.parse(await api(`campaigns/${CAMPAIGN_ID}/direct-response`));
    const board = DirectLeaderboardSchema.parse(
      await api(`campaigns/${CAMPAIGN_ID}/direct-response/kols?metric=roi`),
    );
    expect(totals.summary.conversions).toBeGreaterThan(0);
    const card = (metric: string) =>
      page.getAttribute(`#dr-summary dd[data-metric="${metric}"]`, 'data-value');
    expect(Number(await card('clicks'))).toBe(totals.summary.clicks);
    expect(Number(await card('conversions'))).toBe(totals.summary.conversions);
    expect(JSON.parse((await card('revenue')) ?? '')).toEqual(totals.summary.revenue);
    expect(Number(await card('roi'))).toBe(totals.summary.roi);
    const rows = await page.$$eval('#dr-kols tbody tr', (trs) =>
      trs.map((tr) => ({
        id: (tr as HTMLElement).dataset.id,
        roi: tr.querySelector<HTMLElement>('td[data-roi]')?.dataset.roi,
      })),
    );
    expect(rows).toEqual(board.items.map((e) => ({ id: e.kolId, roi: e.roi === null ? '' : String(e.roi) })));
    expect(await page.$eval('#dr-chart', (c) => (c as HTMLCanvasElement).width)).toBeGreaterThan(0);
    const link = await page.inputValue('#dr-kols tbody tr input.link');
    expect(new URL(link).searchParams.get('utm_content')).toBe(board.items[0]?.code);
  });

  it('raised no page errors and fetched nothing from other origins', () => {
    expect(pageErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });
});
