import { createHash } from 'node:crypto';
import type { Campaign } from '../../shared/config';
import { METRICS, type Metric } from '../../shared/metrics';
import { PLATFORMS, type Platform } from '../../shared/platform';
import { addDays, type Day, dayCount, isValidDay } from '../../shared/time';
import { badParameter } from './errors';

/**
 * Longest range one request may cover: voices take one Query per day (leaderboards one per week), so this
 * bounds the cost.
 */
export const MAX_RANGE_DAYS = 366;
/** Range shown when the caller gives neither `from` nor `to`. */
export const DEFAULT_RANGE_DAYS = 90;
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;
export const DEFAULT_METRIC: Metric = 'engagement';
export const FORMATS = ['json', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

/** Query parameters of one request; a parameter given twice is an error, not a silent pick. */
export class QueryParams {
  constructor(private readonly search: URLSearchParams) {}

  static fromUrl(url: string): QueryParams {
    return new QueryParams(new URL(url).searchParams);
  }

  get(name: string): string | undefined {
    const values = this.search.getAll(name);
    if (values.length > 1)
      throw badParameter(
        name,
        'repeated_parameter',
        `Parameter "${name}" is given more than once`,
        'a single value',
      );
    return values[0];
  }

  /** Rejects parameters the route does not know, so a typo (`form=`) is not silently ignored. */
  allowOnly(allowed: readonly string[]): void {
    for (const name of new Set(this.search.keys())) {
      if (!allowed.includes(name))
        throw badParameter(name, 'unknown_parameter', `Unknown query parameter "${name}"`, allowed);
    }
  }
}

export interface DayRange {
  from: Day;
  to: Day;
}

const parseDay = (params: QueryParams, name: 'from' | 'to'): Day | undefined => {
  const raw = params.get(name);
  if (raw === undefined) return undefined;
  if (!isValidDay(raw))
    throw badParameter(name, 'invalid_date', `"${name}" must be a calendar date YYYY-MM-DD`, 'YYYY-MM-DD');
  return raw;
};

const minDay = (a: Day, b: Day): Day => (a < b ? a : b);
const maxDay = (a: Day, b: Day): Day => (a > b ? a : b);

/**
 * `from`/`to` are inclusive days in the campaign's time zone. Defaults: the campaign's start up to
 * min(end, today), capped to the last 90 days; a lone `from` runs to that same default end (at least
 * `from`), a lone `to` starts 90 days earlier (not before the campaign start).
 */
export const parseRange = (params: QueryParams, campaign: Campaign, today: Day): DayRange => {
  const givenFrom = parseDay(params, 'from');
  const givenTo = parseDay(params, 'to');
  const defaultEnd = maxDay(campaign.start, campaign.end ? minDay(campaign.end, today) : today);
  const to = givenTo ?? (givenFrom ? maxDay(givenFrom, defaultEnd) : defaultEnd);
  const from = givenFrom ?? minDay(to, maxDay(campaign.start, addDays(to, 1 - DEFAULT_RANGE_DAYS)));
  if (from > to)
    throw badParameter(
      givenFrom ? 'from' : 'to',
      'reversed_range',
      `"from" (${from}) is after "to" (${to})`,
      'from <= to',
    );
  if (dayCount(from, to) > MAX_RANGE_DAYS)
    throw badParameter(
      givenTo ? 'to' : 'from',
      'range_too_long',
      `The range ${from}..${to} covers ${dayCount(from, to)} days; at most ${MAX_RANGE_DAYS} are allowed`,
      `at most ${MAX_RANGE_DAYS} days`,
    );
  return { from, to };
};

export const parsePlatform = (params: QueryParams): Platform | undefined => {
  const raw = params.get('platform');
  if (raw === undefined) return undefined;
  if (!(PLATFORMS as readonly string[]).includes(raw))
    throw badParameter('platform', 'invalid_platform', `Unknown platform "${raw}"`, PLATFORMS);
  return raw as Platform;
};

export const parseMetric = (params: QueryParams): Metric => {
  const raw = params.get('metric');
  if (raw === undefined) return DEFAULT_METRIC;
  if (!(METRICS as readonly string[]).includes(raw))
    throw badParameter('metric', 'invalid_metric', `Unknown metric "${raw}"`, METRICS);
  return raw as Metric;
};

export const parseLimit = (params: QueryParams): number => {
  const raw = params.get('limit');
  if (raw === undefined) return DEFAULT_LIMIT;
  const n = /^\d{1,4}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT)
    throw badParameter(
      'limit',
      'invalid_limit',
      `"limit" must be an integer from 1 to ${MAX_LIMIT}`,
      `1..${MAX_LIMIT}`,
    );
  return n;
};

/** `format=csv|json` wins; otherwise an Accept header that prefers text/csv over JSON selects CSV. */
export const parseFormat = (params: QueryParams, accept: string | null): Format => {
  const raw = params.get('format');
  if (raw !== undefined) {
    if (!(FORMATS as readonly string[]).includes(raw))
      throw badParameter('format', 'invalid_format', `Unknown format "${raw}"`, FORMATS);
    return raw as Format;
  }
  return accept && prefersCsv(accept) ? 'csv' : 'json';
};

const prefersCsv = (accept: string): boolean => {
  const quality = new Map<string, number>();
  for (const range of accept.split(',')) {
    const [type = '', ...attrs] = range.split(';').map((p) => p.trim().toLowerCase());
    const q = attrs.find((a) => a.startsWith('q='));
    const value = q ? Number(q.slice(2)) : 1;
    quality.set(type, Number.isFinite(value) ? value : 0);
  }
  const csv = quality.get('text/csv') ?? 0;
  const json = quality.get('application/json') ?? 0;
  return csv > 0 && csv > json;
};

// ---- Continuation tokens -----------------------------------------------------------------------

/** What a continuation token is bound to: a token from another query is rejected, not misapplied. */
export type PageBinding = readonly string[];

const MAX_OFFSET = 1_000_000;

const bindingHash = (binding: PageBinding): string =>
  createHash('sha256').update(binding.join('\u0000')).digest('base64url').slice(0, 16);

export const encodePageToken = (offset: number, binding: PageBinding): string =>
  Buffer.from(JSON.stringify({ o: offset, h: bindingHash(binding) })).toString('base64url');

const invalidToken = (why: string) =>
  badParameter(
    'next',
    'invalid_token',
    `"next" is not a continuation token for this query: ${why}`,
    'the "next" value returned by the previous page of the same query',
  );

export const parsePageToken = (params: QueryParams, binding: PageBinding): number => {
  const raw = params.get('next');
  if (raw === undefined) return 0;
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(raw)) throw invalidToken('malformed');
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalidToken('malformed');
  }
  if (typeof decoded !== 'object' || decoded === null) throw invalidToken('malformed');
  const { o, h } = decoded as { o?: unknown; h?: unknown };
  if (typeof o !== 'number' || !Number.isInteger(o) || o < 0 || o > MAX_OFFSET || typeof h !== 'string')
    throw invalidToken('malformed');
  if (h !== bindingHash(binding)) throw invalidToken('it belongs to a different query');
  return o;
};
