import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdapter } from '../../../shared/platforms';
import { PermanentPlatformError, TransientPlatformError } from '../../../shared/platforms/adapter';
import { PlatformHttp } from '../../../shared/platforms/http';

/**
 * Hostile bodies from a real HTTP server on the loopback interface: a body over the size cap (streamed
 * without Content-Length, and announced with one) and a JSON body nested 100,000 levels deep end in a
 * clear platform error instead of exhausting memory or the stack.
 */

const MiB = 1024 * 1024;
const DEEP = 100_000;
const deepJson = `${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}`;

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '';
    const status = path.includes('/error/') ? 503 : 200;
    if (path.endsWith('/huge-streamed') || path.endsWith('/huge-declared')) {
      const chunk = Buffer.alloc(MiB, 0x20);
      const chunks = 12;
      res.writeHead(status, {
        'content-type': 'application/json',
        ...(path.endsWith('/huge-declared') ? { 'content-length': String(chunks * MiB) } : {}),
      });
      let sent = 0;
      const pump = () => {
        while (sent < chunks) {
          sent++;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      res.on('error', () => undefined);
      pump();
      return;
    }
    if (path.endsWith('/deep')) {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(deepJson);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('[]');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const http = (options: { maxBodyBytes?: number } = {}) =>
  new PlatformHttp({ platform: 'mastodon', timeoutMs: 20_000, ...options });

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e as Error,
  );

describe('Bounded platform bodies over loopback HTTP', () => {
  it('stops reading a streamed 200 body past 10 MiB with a permanent error naming the limit', async () => {
    const error = await failure(http().request({ url: `${base}/ok/huge-streamed` }));
    expect(error).toBeInstanceOf(PermanentPlatformError);
    expect(error?.message).toMatch(/over the 10485760-byte limit/);
  });

  it('refuses a body whose Content-Length is over the limit without reading it', async () => {
    const error = await failure(http().request({ url: `${base}/ok/huge-declared` }));
    expect(error).toBeInstanceOf(PermanentPlatformError);
    expect(error?.message).toMatch(/over the 10485760-byte limit/);
  });

  it('takes the limit from the adapter options', async () => {
    const adapter = createAdapter('mastodon', {
      baseUrl: `${base}/ok/small-limit`,
      credentials: {},
      maxBodyBytes: 1,
    });
    const error = await failure(adapter.searchPage({ query: '#cats', overlapMs: 0 }));
    expect(error).toBeInstanceOf(PermanentPlatformError);
    expect(error?.message).toMatch(/over the 1-byte limit/);
  });

  it('refuses a 100,000-deep JSON 200 body with a permanent error naming the depth limit', async () => {
    const error = await failure(http().request({ url: `${base}/ok/deep` }));
    expect(error).toBeInstanceOf(PermanentPlatformError);
    expect(error?.message).toMatch(/nested deeper than 64 levels/);
  });

  it('keeps the status mapping of an error response with a deep body, and its summary short', async () => {
    const error = await failure(http().request({ url: `${base}/error/deep` }));
    expect(error).toBeInstanceOf(TransientPlatformError);
    expect((error as TransientPlatformError).status).toBe(503);
    expect(error?.message.length).toBeLessThan(400);
  });

  it('keeps the status mapping of an error response over the size limit', async () => {
    const error = await failure(http().request({ url: `${base}/error/huge-streamed` }));
    expect(error).toBeInstanceOf(TransientPlatformError);
    expect(error?.message).toMatch(/503: a body over the 10485760-byte limit/);
  });
});
