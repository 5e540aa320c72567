import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';

/**
 * Per-campaign signing secrets of direct-response events. In AWS each campaign has its own Secrets Manager
 * secret (infra/constructs/direct-response-secrets.ts); the function learns their ARNs from
 * DIRECT_RESPONSE_SECRETS (JSON campaignId -> ARN) and reads each once per cold start, cached for five
 * minutes so a rotated secret takes effect without a call per request. The twin passes local secrets.
 */
export const DIRECT_RESPONSE_SECRETS_ENV = 'DIRECT_RESPONSE_SECRETS';

export interface SigningSecrets {
  /** The campaign's secret(s): during a rotation the previous one still verifies. Empty: none configured. */
  secretsFor(campaignId: string): Promise<readonly string[]>;
}

/** Fixed secrets (the twin, tests). */
export const staticSigningSecrets = (secrets: Record<string, string>): SigningSecrets => ({
  secretsFor: async (campaignId) => {
    const s = Object.hasOwn(secrets, campaignId) ? secrets[campaignId] : undefined;
    return s ? [s] : [];
  },
});

/** Direct-response ingest not configured (no secrets): every campaign answers 503. */
export const noSigningSecrets: SigningSecrets = { secretsFor: async () => [] };

const ArnMapSchema = z.record(z.string(), z.string().startsWith('arn:'));

let defaultClient: SecretsManagerClient | undefined;

/** The secrets named by DIRECT_RESPONSE_SECRETS, or none when the variable is unset. Bad JSON fails at start-up. */
export const signingSecretsFromEnv = (env: Record<string, string | undefined>): SigningSecrets => {
  const raw = env[DIRECT_RESPONSE_SECRETS_ENV];
  if (raw === undefined) return noSigningSecrets;
  let arns: Record<string, string>;
  try {
    arns = ArnMapSchema.parse(JSON.parse(raw));
  } catch (e) {
    throw new Error(
      `${DIRECT_RESPONSE_SECRETS_ENV} must be a JSON object of campaign id -> secret ARN: ${(e as Error).message}`,
    );
  }
  defaultClient ??= new SecretsManagerClient({});
  return new SecretsManagerSigningSecrets(defaultClient, arns);
};

export class SecretsManagerSigningSecrets implements SigningSecrets {
  private readonly cache = new Map<string, { values: string[]; fetchedAt: number }>();

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly arns: Record<string, string>,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = 5 * 60_000,
  ) {}

  async secretsFor(campaignId: string): Promise<readonly string[]> {
    const arn = Object.hasOwn(this.arns, campaignId) ? this.arns[campaignId] : undefined;
    if (!arn) return [];
    const hit = this.cache.get(campaignId);
    if (hit && this.now() - hit.fetchedAt < this.ttlMs) return hit.values;
    const [current, previous] = await Promise.all([
      this.fetch(arn, 'AWSCURRENT'),
      this.fetch(arn, 'AWSPREVIOUS'),
    ]);
    const values = [current, previous].filter((v): v is string => !!v);
    this.cache.set(campaignId, { values, fetchedAt: this.now() });
    return values;
  }

  private async fetch(arn: string, stage: 'AWSCURRENT' | 'AWSPREVIOUS'): Promise<string | undefined> {
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: stage }));
      return out.SecretString;
    } catch (e) {
      // A secret that was never rotated has no AWSPREVIOUS version.
      if (stage === 'AWSPREVIOUS' && (e as { name?: string }).name === 'ResourceNotFoundException')
        return undefined;
      throw e;
    }
  }
}
