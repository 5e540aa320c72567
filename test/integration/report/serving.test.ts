import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_ASSETS_DIR_ENV, reportDepsFromEnv } from '../../../functions/report/app';
import { DASHBOARD_FILES, writeDashboardAssets } from '../../../functions/report/dashboard/build';
import { proxyEventFor, startReportServer } from '../../../infra/local/api-gateway';
import { ENV } from '../../../shared/topology';
import { withDynamo } from '../../support/engines';
import { config, get, quietLogger, testHandler } from './fixtures';

let dynamo: Awaited<ReturnType<typeof withDynamo>>;
let tmp: string;

beforeAll(async () => {
  dynamo = await withDynamo();
  tmp = await mkdtemp(join(tmpdir(), 'report-serving-'));
});
afterAll(async () => {
  await dynamo?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('dashboard', () => {
  it('serves the page with a strict CSP and the bundled script (chart.js inside, no CDN)', async () => {
    const handler = testHandler({ doc: dynamo.doc, rollupsTable: dynamo.tables.rollups });
    const page = await get(handler, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).toContain('src="dashboard/dashboard.js"');
    expect(page.body).not.toMatch(/https?:\/\//);
    const script = await get(handler, '/dashboard/dashboard.js');
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).toContain('Chart.js');
    expect(script.body).not.toMatch(/cdn\.jsdelivr|unpkg\.com/);
    const css = await get(handler, '/dashboard/dashboard.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('ships as files that the handler reads from DASHBOARD_ASSETS_DIR', async () => {
    const assetsDir = join(tmp, 'dashboard');
    const written = await writeDashboardAssets(assetsDir);
    expect(written.map((p) => p.slice(assetsDir.length + 1)).sort()).toEqual(
      Object.values(DASHBOARD_FILES).sort(),
    );
    // Mark the shipped copy so the test can tell it from an in-memory build.
    await writeFile(join(assetsDir, DASHBOARD_FILES.css), '/* shipped */');
    const configFile = join(tmp, 'campaigns.json');
    await writeFile(configFile, JSON.stringify(config));
    const deps = reportDepsFromEnv(
      {
        [ENV.campaignsFile]: configFile,
        [ENV.rollupsTable]: dynamo.tables.rollups,
        [DASHBOARD_ASSETS_DIR_ENV]: assetsDir,
      },
      { doc: dynamo.doc, logger: quietLogger() },
    );
    const handler = testHandler(deps);
    expect((await get(handler, '/dashboard/dashboard.css')).body).toBe('/* shipped */');
    expect((await get(handler, '/campaigns')).status).toBe(200);
  });
});

describe('Function: reportDepsFromEnv', () => {
  it('fails fast naming a missing variable', () => {
    const clients = { doc: dynamo.doc, logger: quietLogger() };
    expect(() => reportDepsFromEnv({ [ENV.campaignsFile]: 'x.json' }, clients)).toThrow(
      `${ENV.rollupsTable} environment variable is not set`,
    );
    expect(() => reportDepsFromEnv({ [ENV.rollupsTable]: 't' }, clients)).toThrow(
      `${ENV.campaignsFile} environment variable is not set`,
    );
  });
});

describe('Function: proxyEventFor', () => {
  it('builds an HTTP API v2 event with the raw path and query, like API Gateway', () => {
    const event = proxyEventFor({
      method: 'get',
      url: '/campaigns/a%20b/totals?from=2026-01-01&x=1&x=2',
      headers: { Host: 'h.test', Accept: 'text/csv', Cookie: 'a=1; b=2' },
    });
    expect(event).toMatchObject({
      version: '2.0',
      rawPath: '/campaigns/a%20b/totals',
      rawQueryString: 'from=2026-01-01&x=1&x=2',
      queryStringParameters: { from: '2026-01-01', x: '1,2' },
      headers: { host: 'h.test', accept: 'text/csv' },
      cookies: ['a=1', 'b=2'],
      isBase64Encoded: false,
      requestContext: { http: { method: 'GET', path: '/campaigns/a%20b/totals' }, stage: '$default' },
    });
  });
});

describe('Function: startReportServer', () => {
  it('passes requests to the handler and writes its result back', async () => {
    const seen: APIGatewayProxyEventV2[] = [];
    const server = await startReportServer({
      handler: async (event): Promise<APIGatewayProxyStructuredResultV2> => {
        seen.push(event);
        if (event.rawPath === '/boom') throw new Error('handler failed');
        if (event.rawPath === '/binary')
          return {
            statusCode: 200,
            headers: { 'content-type': 'image/png' },
            body: 'iVBORw==',
            isBase64Encoded: true,
          };
        return {
          statusCode: 201,
          headers: { 'x-seen': event.rawQueryString },
          cookies: ['s=1'],
          body: 'hello',
        };
      },
    });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${server.url}/echo?a=1`, { method: 'POST', body: 'payload' });
      expect(res.status).toBe(201);
      expect(res.headers.get('x-seen')).toBe('a=1');
      expect(res.headers.get('set-cookie')).toBe('s=1');
      expect(await res.text()).toBe('hello');
      expect(Buffer.from(seen[0]?.body ?? '', 'base64').toString()).toBe('payload');
      const binary = await fetch(`${server.url}/binary`);
      expect(Buffer.from(await binary.arrayBuffer())).toEqual(Buffer.from('iVBORw==', 'base64'));
      const boom = await fetch(`${server.url}/boom`);
      expect(boom.status).toBe(500);
      expect(await boom.json()).toEqual({ message: 'Internal Server Error' });
    } finally {
      await server.close();
    }
  });
});
