import { spawn } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/constructs/pipeline-function';
import { apiUrlFor, regionFromApiUrl, signRequest, startSigningProxy } from '../../scripts/report-client';

// AWS Signature Version 4 test suite credentials and time (get-vanilla*, docs "Signature V4 test suite").
const EXAMPLE_CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const EXAMPLE_DATE = new Date('2015-08-30T12:36:00Z');
const TEST_CREDENTIALS = {
  accessKeyId: 'AKIDTEST',
  secretAccessKey: 'secret-test-key',
  sessionToken: 'session-token',
};

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** A stand-in for API Gateway: records what it receives, answers by path. */
const recorded: Recorded[] = [];
let upstream: Server;
let upstreamUrl: URL;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    recorded.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    if (!req.headers.authorization) {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end('{"message":"Missing Authentication Token"}');
    } else if (req.url?.startsWith('/prod/forbidden')) {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end('{"message":"User is not authorized"}');
    } else if (req.url?.startsWith('/prod/export.csv')) {
      res.writeHead(200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': 'attachment; filename="export.csv"',
        'x-amzn-requestid': 'internal',
      });
      res.end('day,likes\r\n2026-03-01,3\r\n');
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path: req.url }));
    }
  });
  await new Promise<void>((done) => upstream.listen(0, '127.0.0.1', done));
  upstreamUrl = new URL(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}/prod/`);
});
afterAll(() => new Promise<void>((done) => upstream.close(() => done())));

const last = (): Recorded => {
  const request = recorded.at(-1);
  if (!request) throw new Error('upstream received nothing');
  return request;
};

describe('SigV4 signing', () => {
  it('matches the AWS test suite vector get-vanilla', async () => {
    const headers = await signRequest({
      url: new URL('https://example.amazonaws.com/'),
      region: 'us-east-1',
      service: 'service',
      credentials: EXAMPLE_CREDENTIALS,
      signingDate: EXAMPLE_DATE,
    });
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
  });

  it('matches the AWS test suite vector get-vanilla-query-order-key-case (query canonicalised)', async () => {
    const headers = await signRequest({
      url: new URL('https://example.amazonaws.com/?Param2=value2&Param1=value1'),
      region: 'us-east-1',
      service: 'service',
      credentials: EXAMPLE_CREDENTIALS,
      signingDate: EXAMPLE_DATE,
    });
    expect(headers.authorization).toContain(
      'Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
    );
  });

  it('signs for execute-api in the given region and includes the session token', async () => {
    const headers = await signRequest({
      url: new URL('https://abc123.execute-api.eu-west-1.amazonaws.com/campaigns'),
      region: 'eu-west-1',
      credentials: TEST_CREDENTIALS,
    });
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
    expect(headers['x-amz-security-token']).toBe('session-token');
  });

  it('reads the region from an API Gateway URL, and nothing from other hosts', () => {
    expect(regionFromApiUrl(new URL('https://abc123.execute-api.ap-southeast-1.amazonaws.com/'))).toBe(
      'ap-southeast-1',
    );
    expect(regionFromApiUrl(new URL('http://127.0.0.1:3000/'))).toBeUndefined();
  });

  it('keeps the base path of the API URL and the query of the request path', () => {
    expect(apiUrlFor(new URL('https://h.example/prod/'), '/campaigns/c1/totals?from=2026-03-01').href).toBe(
      'https://h.example/prod/campaigns/c1/totals?from=2026-03-01',
    );
    expect(apiUrlFor(new URL('https://h.example'), '/').href).toBe('https://h.example/');
  });
});

describe('--serve: local signing proxy for the dashboard', () => {
  it('forwards GETs signed with the analyst identity and relays status, type and disposition', async () => {
    const proxy = await startSigningProxy({
      apiUrl: upstreamUrl,
      region: 'eu-west-1',
      credentials: TEST_CREDENTIALS,
      port: 0,
    });
    try {
      const json = await fetch(new URL('campaigns/launch/leaderboard?metric=likes&limit=5', proxy.url));
      expect(json.status).toBe(200);
      expect(await json.json()).toEqual({ path: '/prod/campaigns/launch/leaderboard?metric=likes&limit=5' });
      expect(last().headers.authorization).toMatch(
        /Credential=AKIDTEST\/\d{8}\/eu-west-1\/execute-api\/aws4_request/,
      );
      expect(last().headers['x-amz-security-token']).toBe('session-token');

      const csv = await fetch(new URL('export.csv', proxy.url), { headers: { accept: 'text/csv' } });
      expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(csv.headers.get('content-disposition')).toBe('attachment; filename="export.csv"');
      expect(csv.headers.get('x-amzn-requestid')).toBeNull();
      expect(await csv.text()).toBe('day,likes\r\n2026-03-01,3\r\n');
      expect(last().headers.accept).toBe('text/csv');

      const denied = await fetch(new URL('forbidden', proxy.url));
      expect(denied.status).toBe(403);
    } finally {
      await proxy.close();
    }
  });

  it('refuses anything but GET/HEAD without calling the API', async () => {
    const proxy = await startSigningProxy({
      apiUrl: upstreamUrl,
      region: 'eu-west-1',
      credentials: TEST_CREDENTIALS,
      port: 0,
    });
    const before = recorded.length;
    try {
      const response = await fetch(new URL('campaigns', proxy.url), { method: 'POST', body: '{}' });
      expect(response.status).toBe(405);
      expect(recorded.length).toBe(before);
    } finally {
      await proxy.close();
    }
  });

  it('answers 502 with a JSON error when the API cannot be reached', async () => {
    const proxy = await startSigningProxy({
      apiUrl: new URL('http://127.0.0.1:9/'),
      region: 'eu-west-1',
      credentials: TEST_CREDENTIALS,
      port: 0,
    });
    try {
      const response = await fetch(new URL('campaigns', proxy.url));
      expect(response.status).toBe(502);
      expect(await response.json()).toMatchObject({ error: { code: 'upstream_unreachable' } });
    } finally {
      await proxy.close();
    }
  });
});

describe('CLI', () => {
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const child = spawn(
        resolve(REPO_ROOT, 'node_modules/.bin/tsx'),
        ['scripts/report-client.ts', ...args],
        {
          cwd: REPO_ROOT,
          env: {
            PATH: process.env.PATH,
            HOME: '/nonexistent',
            AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
            AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          },
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      child.on('close', (code) => done({ code, stdout, stderr }));
    });

  it('prints the body of a signed request, and fails with a hint on 403', async () => {
    const ok = await run([upstreamUrl.href, '/campaigns?from=2026-03-01', '--region', 'eu-west-1']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ path: '/prod/campaigns?from=2026-03-01' });
    expect(last().headers.authorization).toContain('Credential=AKIDTEST/');

    const denied = await run([upstreamUrl.href, '/forbidden', '--region', 'eu-west-1']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('HTTP 403');
    expect(denied.stderr).toContain('AnalystPolicyArn');
  });

  it('asks for a region when the URL does not reveal one', async () => {
    const result = await run([upstreamUrl.href, '/campaigns']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('pass --region');
  });
});
