import type { Campaign } from '../../shared/config';
import { dayOf } from '../../shared/time';
import { trackingCode } from '../../shared/tracking';

/**
 * The reference computation of direct-response figures, straight from docs/direct-response.md and sharing no
 * code with functions/report/direct-response: given every delivery the endpoint accepted (duplicates,
 * retries and replays included, in delivery order), the first delivery of an event id is the event; later
 * deliveries of the id change nothing. Each event lands on its KOL's day in the campaign's time zone (or
 * on '~', unattributed). conversions = conversion + sale events; revenue per currency; ROI over a range
 * = (revenue - fee) / fee when all revenue is in the fee's currency.
 */

export interface SentEvent {
  id: string;
  type: 'click' | 'lead' | 'conversion' | 'sale';
  code: string;
  time: string;
  amount?: string;
  currency?: string;
}

export interface OracleFigures {
  clicks: number;
  leads: number;
  conversions: number;
  sales: number;
  /** Major units per currency, computed in integer hundredths/thousandths by string arithmetic. */
  revenue: Record<string, number>;
}

const DIGITS: Record<string, number> = { JPY: 0, KRW: 0, KWD: 3, BHD: 3 };
const minor = (amount: string, currency: string): number => {
  const digits = DIGITS[currency] ?? 2;
  const [whole = '0', frac = ''] = amount.split('.');
  return Number(whole) * 10 ** digits + Number(frac.padEnd(digits, '0').slice(0, digits) || '0');
};

export interface DirectOracle {
  /** Figures of `kol` ('~' = unattributed, undefined = every event) over `days`. */
  figures(kol: string | undefined, days: readonly string[]): OracleFigures;
  /** (revenue - fee) / fee in the fee currency, or null (no fee, or revenue in another currency). */
  roi(kolId: string, days: readonly string[]): number | null;
  costPerConversion(kolId: string, days: readonly string[]): number | null;
  /** Distinct event ids counted. */
  count: number;
}

export const directOracle = (campaign: Campaign, deliveries: readonly SentEvent[]): DirectOracle => {
  const byCode = new Map(campaign.kols.map((k) => [trackingCode(campaign.id, k.id), k.id]));
  const events = new Map<string, SentEvent>();
  for (const d of deliveries) if (!events.has(d.id)) events.set(d.id, d);
  const placed = [...events.values()].map((e) => ({
    e,
    kol: byCode.get(e.code.toUpperCase()) ?? '~',
    day: dayOf(Date.parse(e.time), campaign.timeZone),
  }));
  const revenueMinor = (kol: string | undefined, days: readonly string[]) => {
    const out: Record<string, number> = {};
    for (const p of placed)
      if ((kol === undefined || p.kol === kol) && days.includes(p.day) && p.e.type === 'sale' && p.e.currency)
        out[p.e.currency] = (out[p.e.currency] ?? 0) + minor(p.e.amount ?? '0', p.e.currency);
    return out;
  };
  const figures = (kol: string | undefined, days: readonly string[]): OracleFigures => {
    const f: OracleFigures = { clicks: 0, leads: 0, conversions: 0, sales: 0, revenue: {} };
    for (const p of placed) {
      if ((kol !== undefined && p.kol !== kol) || !days.includes(p.day)) continue;
      if (p.e.type === 'click') f.clicks++;
      if (p.e.type === 'lead') f.leads++;
      if (p.e.type === 'conversion' || p.e.type === 'sale') f.conversions++;
      if (p.e.type === 'sale') f.sales++;
    }
    for (const [c, m] of Object.entries(revenueMinor(kol, days))) f.revenue[c] = m / 10 ** (DIGITS[c] ?? 2);
    return f;
  };
  const feeOf = (kolId: string) => {
    const fee = campaign.kols.find((k) => k.id === kolId)?.fee;
    return fee ? { minor: minor(String(fee.amount), fee.currency), currency: fee.currency } : undefined;
  };
  return {
    figures,
    roi: (kolId, days) => {
      const fee = feeOf(kolId);
      if (!fee) return null;
      const rev = revenueMinor(kolId, days);
      if (Object.keys(rev).some((c) => c !== fee.currency)) return null;
      return ((rev[fee.currency] ?? 0) - fee.minor) / fee.minor;
    },
    costPerConversion: (kolId, days) => {
      const fee = feeOf(kolId);
      const conversions = figures(kolId, days).conversions;
      return fee && conversions > 0 ? fee.minor / 10 ** (DIGITS[fee.currency] ?? 2) / conversions : null;
    },
    count: events.size,
  };
};
