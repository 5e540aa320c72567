import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReportServer } from '../../../infra/local/api-gateway';
import { MAX_BODY_BYTES } from '../../../infra/local/loopback-guard';
import { startSigningProxy } from '../../../scripts/report-client';

/** One raw HTTP request, so the test controls the Host header (fetch does not let it be set). */
const send = (url: string, opts: { host?: string; method?: string; body?: Buffer }) =>
  new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const target = new URL(url);
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: opts.method ?? 'GET',
        headers: {
          ...(opts.host ? { host: opts.host } : {}),
          ...(opts.body ? { 'content-length': String(opts.body.length) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) =>
      e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e),
    );
    req.end(opts.body);
  });

describe('the twin report server answers only its own address', () => {
  let calls = 0;
  let url = '';
  let close: () => Promise<void> = async () => undefined;
  beforeAll(async () => {
    const server = await startReportServer({
      handler: async () => {
        calls += 1;
        return { statusCode: 200, body: 'ok' };
      },
    });
    url = server.url;
    close = server.close;
  });
  afterAll(() => close());

  it('refuses a rebound hostname with 403 before the handler runs', async () => {
    const before = calls;
    const rebound = await send(`${url}/campaigns`, { host: `attacker.example:${new URL(url).port}` });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body)).toMatchObject({ error: { code: 'forbidden_host' } });
    expect(calls).toBe(before);
  });

  it('serves 127.0.0.1 and localhost on its port', async () => {
    const port = new URL(url).port;
    expect((await send(`${url}/campaigns`, { host: `127.0.0.1:${port}` })).status).toBe(200);
    expect((await send(`${url}/campaigns`, { host: `localhost:${port}` })).status).toBe(200);
    expect((await send(`${url}/campaigns`, { host: 'localhost:1' })).status).toBe(403);
  });

  it('answers 413 to a body over API Gateway’s 10 MB without calling the handler', async () => {
    const before = calls;
    const response = await send(`${url}/campaigns`, {
      method: 'POST',
      body: Buffer.alloc(MAX_BODY_BYTES + 1),
    });
    expect(response.status).toBe(413);
    expect(calls).toBe(before);
  });
});

describe('the signing proxy', () => {
  let upstream: Server;
  let upstreamCalls = 0;
  const securityHeaders = {
    'content-security-policy': "default-src 'self'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  beforeAll(async () => {
    upstream = createServer((_req, res) => {
      upstreamCalls += 1;
      res.writeHead(200, { 'content-type': 'text/html', ...securityHeaders });
      res.end('<html></html>');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));

  const startProxy = () =>
    startSigningProxy({
      apiUrl: new URL(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}/prod/`),
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
      port: 0,
    });

  it('passes the dashboard’s security headers through', async () => {
    const proxy = await startProxy();
    try {
      const response = await send(new URL('dashboard', proxy.url).href, {});
      expect(response.status).toBe(200);
      for (const [name, value] of Object.entries(securityHeaders)) expect(response.headers[name]).toBe(value);
    } finally {
      await proxy.close();
    }
  });

  it('refuses a rebound hostname without signing anything', async () => {
    const proxy = await startProxy();
    const before = upstreamCalls;
    try {
      const response = await send(new URL('campaigns', proxy.url).href, { host: 'attacker.example' });
      expect(response.status).toBe(403);
      expect(upstreamCalls).toBe(before);
    } finally {
      await proxy.close();
    }
  });
});
