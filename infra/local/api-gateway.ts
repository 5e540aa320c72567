import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import {
  acceptHost,
  allowedHostHeaders,
  answerTooLarge,
  BodyTooLargeError,
  readBodyCapped,
} from './loopback-guard';

/**
 * A tiny HTTP server in front of an API Gateway HTTP API (payload v2) Lambda handler, for the local twin
 * and the browser test. It has no authentication: bind it to 127.0.0.1 only (the default). It answers
 * only requests addressed to its own host and port, with bodies up to API Gateway's 10 MB.
 */

export type ProxyHandlerV2 = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2 | string | undefined>;

export interface ProxyRequest {
  method: string;
  /** Path and query string as sent, e.g. `/campaigns?format=csv`. */
  url: string;
  headers?: Record<string, string | string[] | undefined>;
  body?: Buffer;
  sourceIp?: string;
}

/** Builds the event API Gateway HTTP API would send for this request. */
export const proxyEventFor = (request: ProxyRequest): APIGatewayProxyEventV2 => {
  const queryAt = request.url.indexOf('?');
  const rawPath = queryAt < 0 ? request.url : request.url.slice(0, queryAt);
  const rawQueryString = queryAt < 0 ? '' : request.url.slice(queryAt + 1);
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    if (key === 'cookie') cookies = (Array.isArray(value) ? value.join('; ') : value).split(/;\s*/);
    else headers[key] = Array.isArray(value) ? value.join(',') : value;
  }
  // API Gateway decodes query values and joins repeated ones with commas.
  const query: Record<string, string> = {};
  for (const [name, value] of safeSearchParams(rawQueryString)) {
    query[name] = name in query ? `${query[name]},${value}` : value;
  }
  const now = Date.now();
  const method = request.method.toUpperCase();
  const body = request.body && request.body.length > 0 ? request.body.toString('base64') : undefined;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0] ?? 'localhost',
      http: {
        method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    ...(body ? { body } : {}),
    isBase64Encoded: body !== undefined,
  };
};

const safeSearchParams = (raw: string): [string, string][] => {
  try {
    return [...new URLSearchParams(raw)];
  } catch {
    return [];
  }
};

const localContext = (requestId: string): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'report-local',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:report-local',
  memoryLimitInMB: '1024',
  awsRequestId: requestId,
  logGroupName: '/aws/lambda/report-local',
  logStreamName: 'local',
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

const writeResult = (res: ServerResponse, result: APIGatewayProxyStructuredResultV2 | string | undefined) => {
  // Like API Gateway: a bare string or object (no statusCode) is a 200 JSON body.
  if (result === undefined || typeof result === 'string' || result.statusCode === undefined) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(typeof result === 'string' ? result : JSON.stringify(result ?? null));
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  res.writeHead(result.statusCode, headers);
  res.end(
    result.body === undefined ? '' : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'),
  );
};

export interface ReportServer {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:4000 */
  url: string;
  close(): Promise<void>;
}

export const startReportServer = async (opts: {
  handler: ProxyHandlerV2;
  port?: number;
  host?: string;
}): Promise<ReportServer> => {
  const host = opts.host ?? '127.0.0.1';
  let allowedHosts: ReadonlySet<string> = new Set();
  const server = createServer(async (req, res) => {
    if (!acceptHost(req, res, allowedHosts)) return;
    try {
      const event = proxyEventFor({
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: await readBodyCapped(req),
        sourceIp: req.socket.remoteAddress,
      });
      writeResult(res, await opts.handler(event, localContext(event.requestContext.requestId)));
    } catch (error) {
      if (error instanceof BodyTooLargeError) return answerTooLarge(res);
      // What API Gateway answers when the integration fails.
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Internal Server Error' }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  allowedHosts = allowedHostHeaders(host, port);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
};
