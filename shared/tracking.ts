import { createHmac } from 'node:crypto';

/**
 * Tracking codes and tracked links for direct response (docs/direct-response.md). A code is the first 50
 * bits of HMAC-SHA256(namespace, "<campaignId>\n<kolId>") in Crockford base32 (10 characters, no I/L/O/U):
 * deterministic, so every deploy and the local twin hand out the same code for a KOL in a campaign, and
 * unguessable enough that a code does not reveal the KOL id. Not a secret: codes travel in public links.
 */
const NAMESPACE = 'kol-pulse/tracking-code/v1';
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const TRACKING_CODE_LENGTH = 10;

export const trackingCode = (campaignId: string, kolId: string): string => {
  const digest = createHmac('sha256', NAMESPACE).update(`${campaignId}\n${kolId}`).digest();
  let bits = 0n;
  for (const byte of digest.subarray(0, 7)) bits = (bits << 8n) | BigInt(byte);
  bits >>= 6n; // 56 bits read, 50 kept
  let code = '';
  for (let i = 0; i < TRACKING_CODE_LENGTH; i++) {
    code = (ALPHABET[Number(bits & 31n)] ?? '0') + code;
    bits >>= 5n;
  }
  return code;
};

/** Codes compare case-insensitively, with Crockford's look-alikes (O→0, I/L→1) folded, ignoring hyphens. */
export const normalizeTrackingCode = (code: string): string =>
  code.trim().toUpperCase().replace(/-/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');

/** UTM parameters of a tracked link (documented in docs/direct-response.md). */
export const UTM_SOURCE = 'kol-pulse';
export const UTM_MEDIUM = 'influencer';

/** The landing URL with utm_source, utm_medium, utm_campaign and utm_content=<code> set (replacing any). */
export const trackedLink = (landingUrl: string, campaignId: string, code: string): string => {
  const url = new URL(landingUrl);
  url.searchParams.set('utm_source', UTM_SOURCE);
  url.searchParams.set('utm_medium', UTM_MEDIUM);
  url.searchParams.set('utm_campaign', campaignId);
  url.searchParams.set('utm_content', code);
  return url.toString();
};
