import { readFile } from 'node:fs/promises';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { describeIssues } from '../../shared/config';
import type { Platform } from '../../shared/platform';
import type { PlatformCredentials } from '../../shared/platforms/adapter';

/** Fields of PlatformCredentials; unknown fields are dropped, wrong types are named (never their values). */
export const PlatformCredentialsSchema = z.object({
  bearerToken: z.string().min(1).optional(),
  apiKey: z.string().min(1).optional(),
  identifier: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  clientId: z.string().min(1).optional(),
  clientSecret: z.string().min(1).optional(),
  businessAccountId: z.string().min(1).optional(),
  userAgent: z.string().min(1).optional(),
}) satisfies z.ZodType<PlatformCredentials>;

export class CredentialsError extends Error {
  override name = 'CredentialsError';
}

export interface CredentialsSource {
  /** Credentials for the platform. The same object is returned while the value is unchanged. */
  get(): Promise<PlatformCredentials>;
}

/** Parses credential JSON without ever echoing it: JSON.parse messages quote the input, so they are dropped. */
const parseCredentials = (text: string, source: string, platform: Platform): PlatformCredentials => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CredentialsError(
      `${source} is not valid JSON (expected an object of PlatformCredentials fields)`,
    );
  }
  // A secret may hold the fields directly or, like the local credentials file, under the platform's name.
  const candidate =
    json !== null && typeof json === 'object' && platform in json
      ? (json as Record<string, unknown>)[platform]
      : json;
  const parsed = PlatformCredentialsSchema.safeParse(candidate);
  if (!parsed.success)
    throw new CredentialsError(`${source} is not valid PlatformCredentials: ${describeIssues(parsed.error)}`);
  return parsed.data;
};

/** No credentials: the demo platform server accepts anonymous requests. */
export const noCredentials = (): CredentialsSource => {
  const empty: PlatformCredentials = {};
  return { get: async () => empty };
};

/**
 * Secrets Manager (AWS): the secret's JSON is fetched once and cached for `ttlMs` across invocations of a
 * warm Lambda, so rotation takes effect within the TTL without a call per invocation.
 */
export class SecretsManagerCredentials implements CredentialsSource {
  private cached: { value: PlatformCredentials; text: string; fetchedAt: number } | undefined;
  private inFlight: Promise<PlatformCredentials> | undefined;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly platform: Platform,
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<PlatformCredentials> {
    if (this.cached && this.now() - this.cached.fetchedAt < this.ttlMs) return this.cached.value;
    this.inFlight ??= this.fetch().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async fetch(): Promise<PlatformCredentials> {
    const what = `secret ${this.secretId}`;
    let text: string | undefined;
    try {
      const result = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
      text = result.SecretString;
    } catch (e) {
      throw new CredentialsError(
        `cannot read ${what} (${(e as Error).name}): put the ${this.platform} credentials JSON with ` +
          `"aws secretsmanager put-secret-value --secret-id ${this.secretId} --secret-string file://creds.json"`,
      );
    }
    if (text === undefined)
      throw new CredentialsError(`${what} has no SecretString; store the credentials as JSON`);
    if (this.cached?.text === text) {
      this.cached.fetchedAt = this.now();
      return this.cached.value;
    }
    const value = parseCredentials(text, what, this.platform);
    this.cached = { value, text, fetchedAt: this.now() };
    return value;
  }
}

/** Local twin: a JSON file `{ "<platform>": { ...PlatformCredentials } }`; a platform absent from it gets none. */
export class FileCredentials implements CredentialsSource {
  private loaded: Promise<PlatformCredentials> | undefined;

  constructor(
    private readonly path: string,
    private readonly platform: Platform,
  ) {}

  get(): Promise<PlatformCredentials> {
    this.loaded ??= this.load();
    return this.loaded;
  }

  private async load(): Promise<PlatformCredentials> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      this.loaded = undefined;
      throw new CredentialsError(
        `cannot read credentials file ${this.path}: ${(e as NodeJS.ErrnoException).code}`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new CredentialsError(`credentials file ${this.path} is not valid JSON`);
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json))
      throw new CredentialsError(`credentials file ${this.path} must be an object keyed by platform`);
    const entry = (json as Record<string, unknown>)[this.platform];
    if (entry === undefined) return {};
    return parseCredentials(
      JSON.stringify(entry),
      `credentials file ${this.path} (${this.platform})`,
      this.platform,
    );
  }
}
