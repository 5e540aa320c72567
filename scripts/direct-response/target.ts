import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULTS } from '../../infra/local/cli';
import { SIGNING_SECRETS_FILE } from '../../infra/local/twin/direct-response';

/**
 * Where signed direct-response requests go and what signs them, for scripts/sign-event.ts and
 * scripts/import-events.ts: `--url` (default: the local twin), `--secret-file` (a file holding the key) or
 * KOL_PULSE_SIGNING_SECRET (default: the twin's key for the campaign, from its data folder); never the key on
 * the command line, where shell history keeps it. In AWS: secret `kol-pulse-<stage>-direct-response-<id>`.
 */
export const TARGET_OPTIONS = {
  campaign: { type: 'string' },
  url: { type: 'string' },
  'secret-file': { type: 'string' },
  'data-dir': { type: 'string' },
  config: { type: 'string' },
} as const;

export interface Target {
  campaignId: string;
  url: string;
  secret: string;
  configFile: string;
}

export const parseTarget = (argv: string[], extra: Record<string, { type: 'string' | 'boolean' }> = {}) => {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...TARGET_OPTIONS, ...extra },
    allowPositionals: true,
  });
  const campaignId = values.campaign;
  if (typeof campaignId !== 'string') throw new Error('--campaign <id> is required');
  const url = String(values.url ?? `http://127.0.0.1:${DEFAULTS.port}`).replace(/\/$/, '');
  const secretFile = values['secret-file'];
  const secret =
    typeof secretFile === 'string'
      ? readFileSync(secretFile, 'utf8').trim()
      : (process.env.KOL_PULSE_SIGNING_SECRET ??
        twinSecret(String(values['data-dir'] ?? DEFAULTS.dataDir), campaignId));
  const target: Target = {
    campaignId,
    url,
    secret,
    configFile: String(values.config ?? DEFAULTS.configFile),
  };
  return { target, values: values as Record<string, string | boolean | undefined>, positionals };
};

const twinSecret = (dataDir: string, campaignId: string): string => {
  const file = join(dataDir, SIGNING_SECRETS_FILE);
  if (!existsSync(file))
    throw new Error(
      `no --secret given and no twin secrets in ${file}: start the twin (npm start) or pass --secret-file`,
    );
  const secret = (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)[campaignId];
  if (typeof secret !== 'string') throw new Error(`${file} holds no secret for campaign "${campaignId}"`);
  return secret;
};
