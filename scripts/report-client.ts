/**
 * Analyst client for the KOL Pulse reporting API, which requires IAM (SigV4) authentication.
 *
 *   npx tsx scripts/report-client.ts <api-url> <path>          # print one response (JSON or CSV)
 *   npx tsx scripts/report-client.ts <api-url> --serve         # dashboard on http://127.0.0.1:8787
 *
 * Requests are signed with the caller's default AWS credentials (environment, ~/.aws profile, SSO,
 * instance role...: the standard Node.js provider chain). The caller needs the managed policy the
 * stack outputs as `AnalystPolicyArn`.
 */
import { createHash, createHmac, type Hmac, type Hash as NodeHash } from 'node:crypto';
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, SourceData } from '@smithy/types';
import { acceptHost, allowedHostHeaders } from '../infra/local/loopback-guard';

const SERVICE = 'execute-api';
/**
 * Response headers relayed by the --serve proxy: content and caching, and the dashboard's security headers
 * (hop-by-hop headers and AWS internals are dropped).
 */
export const RELAYED_HEADERS = [
  'content-type',
  'content-disposition',
  'cache-control',
  'etag',
  'last-modified',
  'content-security-policy',
  'x-content-type-options',
  'referrer-policy',
  'x-frame-options',
  'strict-transport-security',
];

const toBytes = (data: SourceData): Uint8Array =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** SHA-256 (and HMAC-SHA-256 when given a secret) on node:crypto, in the shape SignatureV4 expects. */
export class NodeSha256 {
  private hash: NodeHash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }

  update(data: SourceData): void {
    this.hash.update(toBytes(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.fresh();
  }

  private fresh(): NodeHash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(this.secret));
  }
}

/** `abc123.execute-api.eu-west-1.amazonaws.com` -> `eu-west-1`. */
export const regionFromApiUrl = (url: URL): string | undefined =>
  /^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(url.hostname)?.[1];

export interface SignedRequestOptions {
  readonly url: URL;
  readonly region: string;
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  readonly method?: 'GET' | 'HEAD';
  readonly headers?: Record<string, string>;
  /** @default 'execute-api' */
  readonly service?: string;
  /** Fixed signing time (tests). */
  readonly signingDate?: Date;
}

/** Signs a request for API Gateway with SigV4 and returns the headers to send. */
export const signRequest = async (options: SignedRequestOptions): Promise<Record<string, string>> => {
  const { url } = options;
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    const existing = query[key];
    query[key] =
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  const signer = new SignatureV4({
    service: options.service ?? SERVICE,
    region: options.region,
    credentials: options.credentials,
    sha256: NodeSha256,
    // x-amz-content-sha256 is an S3 convention; API Gateway hashes the (empty) payload itself.
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: options.method ?? 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query,
      headers: { host: url.host, ...options.headers },
    },
    { signingDate: options.signingDate },
  );
  return signed.headers;
};

export interface ApiResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Sends a SigV4-signed GET to the API and collects the response. */
export const signedGet = async (
  options: SignedRequestOptions & { readonly timeoutMs?: number },
): Promise<ApiResponse> => {
  const headers = await signRequest(options);
  const { url } = options;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: options.method ?? 'GET', headers }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.setTimeout(options.timeoutMs ?? 30_000, () =>
      req.destroy(new Error(`no answer from ${url.origin} in time`)),
    );
    req.on('error', reject);
    req.end();
  });
};

/** Joins the API base URL (which may carry a stage path) and a request path with its query. */
export const apiUrlFor = (base: URL, pathAndQuery: string): URL => {
  const relative = new URL(pathAndQuery, 'http://placeholder');
  const url = new URL(base.href);
  url.pathname = `${base.pathname.replace(/\/+$/, '')}${relative.pathname}`;
  url.search = relative.search;
  return url;
};

export interface SigningProxyOptions {
  readonly apiUrl: URL;
  readonly region: string;
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  readonly port?: number;
  readonly host?: string;
}

/**
 * A local HTTP server that forwards GET/HEAD requests to the API, signed with the analyst's identity,
 * so the dashboard works in a browser that cannot sign requests itself. Bound to 127.0.0.1 by default:
 * whoever reaches it acts with the analyst's credentials, so it answers only requests addressed to its own
 * host and port (a page using DNS rebinding gets 403).
 */
export const startSigningProxy = async (
  options: SigningProxyOptions,
): Promise<{ url: string; close: () => Promise<void>; server: Server }> => {
  let allowedHosts: ReadonlySet<string> = new Set();
  const server = createServer((req, res) => {
    if (!acceptHost(req, res, allowedHosts)) return;
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'application/json', allow: 'GET, HEAD' });
      res.end(
        JSON.stringify({ error: { code: 'method_not_allowed', message: 'the reporting API is read-only' } }),
      );
      return;
    }
    const accept = req.headers.accept;
    signedGet({
      url: apiUrlFor(options.apiUrl, req.url ?? '/'),
      region: options.region,
      credentials: options.credentials,
      method,
      headers: accept ? { accept } : {},
    }).then(
      (upstream) => {
        const headers: Record<string, string> = {};
        for (const name of RELAYED_HEADERS) {
          const value = upstream.headers[name];
          if (typeof value === 'string') headers[name] = value;
        }
        res.writeHead(upstream.status, headers);
        res.end(method === 'HEAD' ? undefined : upstream.body);
      },
      (error: Error) => {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'upstream_unreachable', message: error.message } }));
      },
    );
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8787, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  allowedHosts = allowedHostHeaders(host, port);
  return {
    url: `http://${host}:${port}/`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

const USAGE = `Usage:
  npx tsx scripts/report-client.ts <api-url> <path> [--region <r>] [--csv]
  npx tsx scripts/report-client.ts <api-url> --serve [--port 8787] [--host 127.0.0.1] [--region <r>]

  <api-url>  the stack output ReportApiUrl, e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/
  <path>     e.g. /campaigns or '/campaigns/launch/leaderboard?from=2026-03-01&to=2026-03-07&metric=likes'
  --csv      ask for CSV (Accept: text/csv)
  --serve    serve the dashboard locally, signing every request with your AWS identity
Credentials come from the default AWS provider chain (AWS_PROFILE, env vars, SSO, ...).`;

const fail = (message: string): never => {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
};

const main = async (argv: string[]): Promise<number> => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      serve: { type: 'boolean', default: false },
      port: { type: 'string', default: '8787' },
      host: { type: 'string', default: '127.0.0.1' },
      region: { type: 'string' },
      csv: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [apiArg, path] = positionals;
  if (!apiArg) return fail('missing <api-url>');
  let apiUrl: URL;
  try {
    apiUrl = new URL(apiArg);
  } catch {
    return fail(`<api-url> is not a URL: ${apiArg}`);
  }
  const region =
    values.region ?? regionFromApiUrl(apiUrl) ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) return fail(`cannot tell the region from ${apiUrl.host}: pass --region`);
  const credentials = defaultProvider();

  if (values.serve) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535)
      return fail(`--port must be 0-65535, got ${values.port}`);
    const proxy = await startSigningProxy({ apiUrl, region, credentials, port, host: values.host });
    process.stdout.write(
      `KOL Pulse dashboard: ${proxy.url}  (requests to ${apiUrl.origin} signed with your AWS identity; Ctrl-C to stop)\n`,
    );
    await new Promise<void>((resolve) => {
      const stop = () => void proxy.close().then(resolve);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  }

  if (!path) return fail('missing <path> (or --serve)');
  const response = await signedGet({
    url: apiUrlFor(apiUrl, path.startsWith('/') ? path : `/${path}`),
    region,
    credentials,
    headers: values.csv ? { accept: 'text/csv' } : { accept: 'application/json' },
  });
  process.stdout.write(response.body);
  if (response.body.length > 0 && response.body[response.body.length - 1] !== 0x0a)
    process.stdout.write('\n');
  if (response.status >= 400) {
    process.stderr.write(
      `HTTP ${response.status}${response.status === 403 ? ' (does your role have the AnalystPolicyArn policy attached?)' : ''}\n`,
    );
    return 1;
  }
  return 0;
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`report-client: ${error.message}\n`);
      process.exit(1);
    },
  );
}
