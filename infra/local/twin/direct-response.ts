import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KolPulseConfig } from '../../../shared/config';
import { SeededRandom } from '../../../shared/random';
import { SIGNATURE_HEADER, signBody } from '../../../shared/signature';
import { trackingCode } from '../../../shared/tracking';
import type { Closable } from './closers';
import type { TwinContext } from './context';

/**
 * Direct response in the twin: local signing secrets (one per campaign, generated once and kept in the data
 * folder, the stand-in for the Secrets Manager secrets) and, in demo mode, a shop that posts signed events
 * for the demo KOLs to the local API -- with duplicates and retries, as real webhooks do.
 */

export const SIGNING_SECRETS_FILE = 'direct-response-secrets.json';

/** The data folder's secrets file, with a fresh secret added for every campaign that has none. */
export const localSigningSecrets = (
  dataDir: string,
  config: KolPulseConfig,
): { file: string; secrets: Record<string, string> } => {
  const file = join(dataDir, SIGNING_SECRETS_FILE);
  const secrets: Record<string, string> = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>)
    : {};
  let added = false;
  for (const c of config.campaigns)
    if (typeof secrets[c.id] !== 'string') {
      secrets[c.id] = randomBytes(32).toString('hex');
      added = true;
    }
  if (added) writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return { file, secrets };
};

interface DemoShopOptions {
  apiUrl: string;
  config: KolPulseConfig;
  secrets: Record<string, string>;
  seed: number;
  /** Wall-clock milliseconds between two webhook deliveries. */
  intervalMs?: number;
}

const CURRENCIES = ['CNY', 'CNY', 'CNY', 'USD'] as const;

/** Posts a signed batch of events every `intervalMs`; a share of them is delivered twice or retried later. */
export const startDemoShop = (ctx: TwinContext, opts: DemoShopOptions): Closable => {
  const rnd = new SeededRandom(opts.seed ^ 0x5eed);
  const campaigns = opts.config.campaigns.filter((c) => c.kols.length > 0 && opts.secrets[c.id]);
  let sequence = 0;
  const retries: { campaignId: string; body: string }[] = [];
  const deliver = async (campaignId: string, body: string) => {
    const secret = opts.secrets[campaignId] ?? '';
    try {
      const res = await fetch(`${opts.apiUrl}/campaigns/${campaignId}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(secret, body) },
        body,
      });
      if (!res.ok) ctx.fail(`demo shop: ${campaignId} events answered ${res.status} ${await res.text()}`);
    } catch (e) {
      ctx.fail(`demo shop: ${(e as Error).message}`);
    }
  };
  const tick = async () => {
    const campaign = campaigns.length > 0 ? rnd.pick(campaigns) : undefined;
    if (!campaign) return;
    const time = new Date(ctx.clock.now()).toISOString();
    const events = Array.from({ length: rnd.int(1, 6) }, () => {
      const kol = rnd.chance(0.1) ? undefined : rnd.pick(campaign.kols);
      const code = kol ? trackingCode(campaign.id, kol.id) : 'UNKNOWNCODE';
      const type = rnd.pick([
        'click',
        'click',
        'click',
        'click',
        'lead',
        'conversion',
        'sale',
        'sale',
      ] as const);
      const id = `demo-${opts.seed}-${sequence++}`;
      if (type !== 'sale') return { id, type, code, time };
      const currency = kol?.fee && rnd.chance(0.9) ? kol.fee.currency : rnd.pick(CURRENCIES);
      return { id, type, code, time, amount: `${rnd.int(200, 2500)}.${rnd.int(10, 99)}`, currency };
    });
    const body = JSON.stringify({ events });
    await deliver(campaign.id, body);
    if (rnd.chance(0.25)) await deliver(campaign.id, body); // a duplicate delivery
    if (rnd.chance(0.2)) retries.push({ campaignId: campaign.id, body }); // retried on a later tick
    const retry = retries.length > 3 || rnd.chance(0.3) ? retries.shift() : undefined;
    if (retry) await deliver(retry.campaignId, retry.body);
  };
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(tick);
  }, opts.intervalMs ?? 2_000);
  timer.unref();
  return {
    close: async () => {
      clearInterval(timer);
      await running;
    },
  };
};
