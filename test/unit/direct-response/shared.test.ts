import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readEvents } from '../../../scripts/import-events';
import { ConfigError, parseConfig } from '../../../shared/config';
import { fromMinorUnits, toMinorUnits } from '../../../shared/money';
import { signBody, verifySignature } from '../../../shared/signature';
import { normalizeTrackingCode, trackedLink, trackingCode } from '../../../shared/tracking';
import { DR_NOW, drCampaign } from '../../support/direct-response';

describe('Signature (X-KolPulse-Signature: t=..,v1=..)', () => {
  const body = Buffer.from('{"events":[]}');
  const now = 1_780_000_000_000;

  it('accepts its own signature, any of several secrets, and any of several v1 entries', () => {
    const header = signBody('s1', body, now);
    expect(verifySignature(header, body, 's1', now)).toEqual({ ok: true });
    expect(verifySignature(header, body, ['old', 's1'], now)).toEqual({ ok: true });
    const v1 = header.split('v1=')[1];
    expect(verifySignature(`t=${now / 1000},v1=${'0'.repeat(64)},v1=${v1}`, body, 's1', now).ok).toBe(true);
  });

  it('matches a reference HMAC computed by hand (openssl-compatible scheme)', () => {
    // printf '%s' '1780000000.{"events":[]}' | openssl dgst -sha256 -hmac s1
    const expected = createHmac('sha256', 's1').update('1780000000.{"events":[]}').digest('hex');
    expect(signBody('s1', body, now)).toBe(`t=1780000000,v1=${expected}`);
  });

  it('refuses a wrong secret, a changed body, a stale or future timestamp and malformed headers', () => {
    const header = signBody('s1', body, now);
    expect(verifySignature(header, body, 's2', now).ok).toBe(false);
    expect(verifySignature(header, Buffer.from('{"events":[1]}'), 's1', now).ok).toBe(false);
    expect(verifySignature(header, body, 's1', now + 301_000).ok).toBe(false);
    expect(verifySignature(header, body, 's1', now - 301_000).ok).toBe(false);
    expect(verifySignature(header, body, 's1', now + 299_000).ok).toBe(true);
    for (const bad of [undefined, '', 'v1=00', `t=${now / 1000}`, 't=abc,v1=00', 'garbage'])
      expect(verifySignature(bad, body, 's1', now).ok).toBe(false);
  });
});

describe('Money in minor units', () => {
  it('keeps amounts exact per ISO 4217 minor unit and refuses extra decimals', () => {
    expect(toMinorUnits('49.90', 'EUR')).toEqual({ minor: 4990 });
    expect(toMinorUnits(0.1, 'EUR')).toEqual({ minor: 10 });
    expect(toMinorUnits('1200', 'JPY')).toEqual({ minor: 1200 });
    expect(toMinorUnits('1.5', 'JPY')).toHaveProperty('problem');
    expect(toMinorUnits('1.234', 'KWD')).toEqual({ minor: 1234 });
    expect(toMinorUnits('1.001', 'EUR')).toHaveProperty('problem');
    expect(toMinorUnits('-1', 'EUR')).toHaveProperty('problem');
    expect(toMinorUnits('1e3', 'EUR')).toHaveProperty('problem');
    expect(toMinorUnits('1000000001', 'EUR')).toHaveProperty('problem');
    expect(fromMinorUnits(4990 + 10, 'EUR')).toBe(50);
  });
});

describe('Tracking codes and links', () => {
  it('are deterministic, 10 Crockford base32 characters, distinct per KOL and campaign', () => {
    const a = trackingCode('c1', 'ana');
    expect(a).toMatch(/^[0-9A-HJKMNP-TV-Z]{10}$/);
    expect(trackingCode('c1', 'ana')).toBe(a);
    expect(trackingCode('c2', 'ana')).not.toBe(a);
    expect(trackingCode('c1', 'ben')).not.toBe(a);
    expect(normalizeTrackingCode(` ${a.toLowerCase().slice(0, 5)}-${a.slice(5)} `)).toBe(a);
  });

  it('tag a landing URL with the UTM parameters, keeping its own query', () => {
    const url = new URL(trackedLink('https://shop.example/p?ref=x&utm_source=old', 'c1', 'CODE'));
    expect(Object.fromEntries(url.searchParams)).toEqual({
      ref: 'x',
      utm_source: 'kol-pulse',
      utm_medium: 'influencer',
      utm_campaign: 'c1',
      utm_content: 'CODE',
    });
  });
});

describe('Configuration: fees and landing URLs', () => {
  const base = { id: 'c', name: 'C', hashtags: ['#c'], start: '2026-01-01' };
  const kol = { id: 'k', name: 'K', accounts: [{ platform: 'x', handle: 'k' }] };
  const fails = (campaign: object) => () => parseConfig({ campaigns: [{ ...base, ...campaign }] });

  it('names the bad field', () => {
    expect(fails({ kols: [{ ...kol, fee: { amount: '10', currency: 'EURO' } }] })).toThrow(
      /campaigns\[0\]\.kols\[0\]\.fee\.currency/,
    );
    expect(fails({ kols: [{ ...kol, fee: { amount: '10.001', currency: 'EUR' } }] })).toThrow(
      /kols\[0\]\.fee\.amount: has more than 2/,
    );
    expect(fails({ kols: [{ ...kol, fee: { amount: 0, currency: 'EUR' } }] })).toThrow(
      /fee\.amount: must be above 0/,
    );
    expect(fails({ landingUrls: ['ftp://x.example'] })).toThrow(/landingUrls\[0\]/);
    expect(fails({ landingUrls: ['https://x.example/#top'] })).toThrow(
      /landingUrls\[0\]: must not carry a #fragment/,
    );
    expect(fails({ landingUrls: [] })).toThrow(ConfigError);
  });
});

describe('CSV import: the endpoint rules, row by row', () => {
  it('accepts valid rows, collapses identical repeats and says why it rejects the rest', () => {
    const code = trackingCode(drCampaign.id, 'ana');
    const csv = [
      'id,type,code,time,amount,currency',
      `o1,sale,${code},2026-05-02T10:00:00Z,49.90,EUR`,
      `o1,sale,${code},2026-05-02T10:00:00Z,49.90,EUR`,
      `o1,sale,${code},2026-05-02T10:00:00Z,59.90,EUR`,
      `o2,sale,${code},2026-05-02T10:00:00Z,,EUR`,
      `o3,refund,${code},2026-05-02T10:00:00Z,,`,
      `"o4,quoted",click,${code},2026-05-02T10:00:00Z,,`,
      `o5,click,${code},2027-01-01T00:00:00Z,,`,
    ].join('\r\n');
    const { accepted, rejected } = readEvents(csv, drCampaign, DR_NOW);
    expect(accepted.map((a) => a.event.id)).toEqual(['o1', 'o4,quoted']);
    expect(rejected).toEqual([
      { line: 4, id: 'o1', reason: 'id repeats an earlier row with other content' },
      { line: 5, id: 'o2', reason: 'amount is required on a sale' },
      { line: 6, id: 'o3', reason: expect.stringMatching(/^type: /) },
      { line: 8, id: 'o5', reason: 'time is in the future' },
    ]);
    expect(() => readEvents('id,code\n1,2', drCampaign, DR_NOW)).toThrow(/lacks type, time/);
  });
});
