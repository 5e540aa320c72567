import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Guards for the servers KOL Pulse runs on an analyst's machine (the twin's report API, the signing proxy).
 * A web page the analyst opens can make the browser send requests to 127.0.0.1 under a hostname it
 * controls (DNS rebinding); checking the Host header against the server's own address stops it reading
 * the answers. Bodies are capped like API Gateway's HTTP API (10 MB), so a client cannot exhaust memory.
 */

export const MAX_BODY_BYTES = 10 * 1024 * 1024;

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];
const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');

/** The Host header values a server bound to `host`:`port` answers to. */
export const allowedHostHeaders = (host: string, port: number): ReadonlySet<string> => {
  const shown = host.includes(':') ? `[${host}]` : host;
  const names = isLoopback(host) ? [...LOOPBACK_HOSTS, shown] : [shown];
  return new Set(names.map((name) => `${name}:${port}`.toLowerCase()));
};

const answer = (res: ServerResponse, status: number, code: string, message: string) => {
  res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify({ error: { code, message } }));
};

/** True when the request may go on; otherwise it has been answered 403. */
export const acceptHost = (
  req: IncomingMessage,
  res: ServerResponse,
  allowed: ReadonlySet<string>,
): boolean => {
  const host = (req.headers.host ?? '').toLowerCase();
  if (allowed.has(host)) return true;
  const [expected] = allowed;
  answer(
    res,
    403,
    'forbidden_host',
    `Host "${host}" is not this server; open http://${expected ?? '127.0.0.1'}/ (requests under other hostnames are refused against DNS rebinding)`,
  );
  return false;
};

export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
}

/** Reads a request body of at most `maxBytes`; throws BodyTooLargeError past it without buffering the rest. */
export const readBodyCapped = async (req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<Buffer> => {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw new BodyTooLargeError(`body of ${declared} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new BodyTooLargeError(`body over ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
};

/** Answers 413 the way API Gateway does for an oversized payload. */
export const answerTooLarge = (res: ServerResponse, maxBytes = MAX_BODY_BYTES) =>
  answer(res, 413, 'payload_too_large', `request bodies are limited to ${maxBytes} bytes`);
