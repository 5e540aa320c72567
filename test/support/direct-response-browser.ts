import { staticSigningSecrets } from '../../functions/report/direct-response/secrets';
import type { KolPulseConfig } from '../../shared/config';
import { SIGNATURE_HEADER, signBody } from '../../shared/signature';
import { trackingCode } from '../../shared/tracking';

/** Direct-response data for the dashboard test: fees and a landing URL on the fixture campaign, signed events. */

const SECRET = 'browser-test-secret';

export const withFees = (config: KolPulseConfig) => {
  const [first, ...rest] = config.campaigns;
  if (!first) throw new Error('fixture campaign missing');
  const campaign = {
    ...first,
    landingUrls: ['https://shop.example/launch'],
    kols: first.kols.map((k, i) =>
      i < 3 ? { ...k, fee: { amount: `${(i + 1) * 100}.00`, currency: 'EUR' } } : k,
    ),
  };
  return {
    config: { ...config, campaigns: [campaign, ...rest] },
    signingSecrets: staticSigningSecrets({ [campaign.id]: SECRET }),
  };
};

/** Posts a fixed set of signed clicks, conversions and sales for the fixture KOLs (one replayed). */
export const postDemoEvents = async (baseUrl: string, config: KolPulseConfig) => {
  const campaign = config.campaigns[0];
  if (!campaign) throw new Error('fixture campaign missing');
  const events = campaign.kols.flatMap((k, i) => {
    const code = trackingCode(campaign.id, k.id);
    const time = `2026-03-0${(i % 9) + 1}T08:00:00Z`;
    return [
      ...Array.from({ length: 3 + i }, (_, j) => ({ id: `${k.id}-c${j}`, type: 'click', code, time })),
      { id: `${k.id}-conv`, type: 'conversion', code, time },
      ...Array.from({ length: i + 1 }, (_, j) => ({
        id: `${k.id}-s${j}`,
        type: 'sale',
        code,
        time,
        amount: `${50 + 40 * i}.50`,
        currency: 'EUR',
      })),
    ];
  });
  for (const body of [JSON.stringify({ events }), JSON.stringify({ events: events.slice(0, 5) })]) {
    const res = await fetch(`${baseUrl}/campaigns/${campaign.id}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(SECRET, body) },
      body,
    });
    if (!res.ok) throw new Error(`posting events: ${res.status} ${await res.text()}`);
  }
};
