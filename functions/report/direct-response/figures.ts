import type { Fee } from '../../../shared/direct-response-config';
import { fromMinorUnits, toMinorUnits } from '../../../shared/money';
import type { EventRow } from './store';

/**
 * Direct-response figures (docs/direct-response.md, "Figures"):
 *   clicks, leads: events of that type; sales: sale events; conversions: conversion + sale events (a sale is
 *   a conversion with a value); revenue: sale amounts per currency, never summed across currencies.
 *   costPerConversion = fee / conversions;  roi = (revenue - fee) / fee, both in the fee's currency, over a
 *   range, and only when all revenue is in the fee's currency (otherwise unknown: currency_mismatch).
 */

export interface DirectTally {
  clicks: number;
  leads: number;
  conversions: number;
  sales: number;
  /** Minor units per currency. */
  revenueMinor: Map<string, number>;
}

export const emptyDirectTally = (): DirectTally => ({
  clicks: 0,
  leads: 0,
  conversions: 0,
  sales: 0,
  revenueMinor: new Map(),
});

export const addRow = (t: DirectTally, row: EventRow): DirectTally => {
  if (row.type === 'click') t.clicks++;
  else if (row.type === 'lead') t.leads++;
  else t.conversions++;
  if (row.type === 'sale') {
    t.sales++;
    if (row.currency && row.amountMinor !== undefined)
      t.revenueMinor.set(row.currency, (t.revenueMinor.get(row.currency) ?? 0) + row.amountMinor);
  }
  return t;
};

export const addDirectTally = (into: DirectTally, add: DirectTally): DirectTally => {
  into.clicks += add.clicks;
  into.leads += add.leads;
  into.conversions += add.conversions;
  into.sales += add.sales;
  for (const [c, m] of add.revenueMinor) into.revenueMinor.set(c, (into.revenueMinor.get(c) ?? 0) + m);
  return into;
};

export interface DirectFigures {
  clicks: number;
  leads: number;
  conversions: number;
  sales: number;
  /** Major units per currency, e.g. { "EUR": 1234.5 }; currencies without sales are absent. */
  revenue: Record<string, number>;
}

export const figuresOfTally = (t: DirectTally): DirectFigures => ({
  clicks: t.clicks,
  leads: t.leads,
  conversions: t.conversions,
  sales: t.sales,
  revenue: Object.fromEntries(
    [...t.revenueMinor.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([c, m]) => [c, fromMinorUnits(m, c)]),
  ),
});

export type RoiUnknownReason = 'no_fee' | 'currency_mismatch' | 'mixed_fee_currencies';

export interface ReturnFigures {
  fee: { amount: number; currency: string } | null;
  /** fee / conversions in the fee's currency; null without a fee or without conversions. */
  costPerConversion: number | null;
  /** (revenue - fee) / fee; null when unknown (see roiUnknownReason). */
  roi: number | null;
  roiUnknownReason: RoiUnknownReason | null;
}

/** Ratios rounded to 6 decimal places: exact enough for a percentage with 4 decimals. */
const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** Cost per conversion and ROI of `t` against a fee given in minor units (or the reason it cannot be known). */
export const returnFigures = (
  t: DirectTally,
  fee: { minor: number; currency: string } | RoiUnknownReason,
): ReturnFigures => {
  if (typeof fee === 'string')
    return { fee: null, costPerConversion: null, roi: null, roiUnknownReason: fee };
  const shownFee = { amount: fromMinorUnits(fee.minor, fee.currency), currency: fee.currency };
  const costPerConversion =
    t.conversions > 0 ? round6(fromMinorUnits(fee.minor, fee.currency) / t.conversions) : null;
  const foreign = [...t.revenueMinor.keys()].some((c) => c !== fee.currency);
  if (foreign) return { fee: shownFee, costPerConversion, roi: null, roiUnknownReason: 'currency_mismatch' };
  const revenue = t.revenueMinor.get(fee.currency) ?? 0;
  return {
    fee: shownFee,
    costPerConversion,
    roi: round6((revenue - fee.minor) / fee.minor),
    roiUnknownReason: null,
  };
};

/** A configured fee in minor units. */
export const feeMinor = (fee: Fee | undefined): { minor: number; currency: string } | 'no_fee' => {
  if (!fee) return 'no_fee';
  const parsed = toMinorUnits(fee.amount, fee.currency);
  return 'minor' in parsed ? { minor: parsed.minor, currency: fee.currency } : 'no_fee';
};

/** The sum of several KOLs' fees when they share one currency. */
export const sumFees = (
  fees: readonly (Fee | undefined)[],
): { minor: number; currency: string } | RoiUnknownReason => {
  const known = fees
    .map(feeMinor)
    .filter((f): f is { minor: number; currency: string } => typeof f !== 'string');
  const first = known[0];
  if (!first) return 'no_fee';
  if (known.some((f) => f.currency !== first.currency)) return 'mixed_fee_currencies';
  return { minor: known.reduce((s, f) => s + f.minor, 0), currency: first.currency };
};
