import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signature of direct-response event requests (docs/direct-response.md), Stripe-style:
 *   X-KolPulse-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 * Several v1 entries may be sent (e.g. while a secret is rotated); one valid entry is enough.
 */
export const SIGNATURE_HEADER = 'x-kolpulse-signature';
/** Requests signed longer ago (or further ahead) than this are refused, so a captured request cannot be replayed later. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

const hmacHex = (secret: string, timestamp: number, body: Uint8Array): string =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');

/** The header value for `body` signed with `secret` at `nowMs`. */
export const signBody = (secret: string, body: Uint8Array | string, nowMs: number = Date.now()): string => {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${hmacHex(secret, t, typeof body === 'string' ? Buffer.from(body) : body)}`;
};

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** Checks the header against the raw body with any of `secrets` (constant-time compare), before anything parses it. */
export const verifySignature = (
  header: string | null | undefined,
  body: Uint8Array,
  secrets: string | readonly string[],
  nowMs: number,
): SignatureCheck => {
  if (!header) return { ok: false, reason: `missing ${SIGNATURE_HEADER} header` };
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) candidates.push(value.toLowerCase());
  }
  if (timestamp === undefined || candidates.length === 0)
    return { ok: false, reason: 'signature header must read t=<unix seconds>,v1=<hex>' };
  if (Math.abs(nowMs / 1000 - timestamp) > SIGNATURE_TOLERANCE_SECONDS)
    return { ok: false, reason: `timestamp outside ${SIGNATURE_TOLERANCE_SECONDS} s of the server's clock` };
  const valid = (typeof secrets === 'string' ? [secrets] : secrets).some((secret) => {
    const expected = Buffer.from(hmacHex(secret, timestamp, body), 'hex');
    return candidates.some((c) => timingSafeEqual(Buffer.from(c, 'hex'), expected));
  });
  return valid ? { ok: true } : { ok: false, reason: 'signature does not match' };
};
