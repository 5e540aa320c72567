import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../functions/report/errors';
import {
  encodePageToken,
  parseFormat,
  parseLimit,
  parsePageToken,
  parseRange,
  QueryParams,
} from '../../../functions/report/params';
import { compareByMetric } from '../../../functions/report/report';
import type { ReportFigures } from '../../../functions/report/schemas';
import { type Campaign, CampaignSchema } from '../../../shared/config';
import { dayCount } from '../../../shared/time';

const q = (query: string) => new QueryParams(new URLSearchParams(query));
const campaign = (start: string, end?: string): Campaign =>
  CampaignSchema.parse({ id: 'c', name: 'C', hashtags: ['#c'], start, ...(end ? { end } : {}) });

const apiError = (fn: () => unknown): ApiError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
};

describe('Function: parseRange', () => {
  it('defaults to start .. end when the campaign is over', () => {
    expect(parseRange(q(''), campaign('2026-01-01', '2026-01-31'), '2026-05-01')).toEqual({
      from: '2026-01-01',
      to: '2026-01-31',
    });
  });

  it('caps an open-ended campaign to the last 90 days up to today', () => {
    const range = parseRange(q(''), campaign('2024-01-01'), '2026-05-01');
    expect(range.to).toBe('2026-05-01');
    expect(dayCount(range.from, range.to)).toBe(90);
  });

  it('shows the start day of a campaign that has not started yet', () => {
    expect(parseRange(q(''), campaign('2026-06-01'), '2026-05-01')).toEqual({
      from: '2026-06-01',
      to: '2026-06-01',
    });
  });

  it('runs a lone "from" to the default end, and a lone "to" back 90 days but not before the start', () => {
    expect(parseRange(q('from=2026-01-10'), campaign('2026-01-01', '2026-01-31'), '2026-01-20')).toEqual({
      from: '2026-01-10',
      to: '2026-01-20',
    });
    expect(parseRange(q('to=2026-01-05'), campaign('2026-01-01'), '2026-01-20')).toEqual({
      from: '2026-01-01',
      to: '2026-01-05',
    });
    expect(parseRange(q('from=2026-03-01'), campaign('2026-01-01', '2026-01-31'), '2026-01-20').to).toBe(
      '2026-03-01',
    );
  });

  it('names the parameter of a range that is too long', () => {
    expect(
      apiError(() => parseRange(q('from=2024-01-01'), campaign('2024-01-01'), '2026-01-01')),
    ).toMatchObject({
      parameter: 'from',
      code: 'range_too_long',
    });
  });
});

describe('Function: parseFormat', () => {
  it.each([
    ['', null, 'json'],
    ['', 'text/csv', 'csv'],
    ['', 'text/csv;q=0.5, application/json', 'json'],
    ['', 'application/json;q=0.1, text/csv;q=0.9', 'csv'],
    ['', 'text/html,application/xhtml+xml,*/*;q=0.8', 'json'],
    ['format=json', 'text/csv', 'json'],
    ['format=csv', 'application/json', 'csv'],
  ])('format=%s with Accept %s -> %s', (query, accept, expected) => {
    expect(parseFormat(q(query), accept)).toBe(expected);
  });
});

describe('Function: parseLimit', () => {
  it.each(['1', '500', '050'])('accepts %s', (raw) => {
    expect(parseLimit(q(`limit=${raw}`))).toBe(Number(raw));
  });
  it.each(['0', '501', '-1', '1e2', '', ' 5', '0x10'])('rejects %j', (raw) => {
    expect(apiError(() => parseLimit(q(`limit=${encodeURIComponent(raw)}`))).parameter).toBe('limit');
  });
});

describe('Function: parsePageToken', () => {
  const binding = ['leaderboard', 'c', '2026-01-01', '2026-01-31', '', 'likes'];

  it('round-trips an offset bound to its query', () => {
    expect(parsePageToken(q(`next=${encodePageToken(150, binding)}`), binding)).toBe(150);
    expect(parsePageToken(q(''), binding)).toBe(0);
  });

  it('rejects a token of another query, a forged offset and garbage', () => {
    const token = encodePageToken(50, binding);
    expect(apiError(() => parsePageToken(q(`next=${token}`), [...binding.slice(0, 5), 'views'])).code).toBe(
      'invalid_token',
    );
    const forged = Buffer.from(JSON.stringify({ o: -5, h: 'x' })).toString('base64url');
    for (const bad of [forged, 'abc', Buffer.from('[1]').toString('base64url')])
      expect(apiError(() => parsePageToken(q(`next=${bad}`), binding)).parameter).toBe('next');
  });
});

describe('Method: QueryParams.allowOnly', () => {
  it('names the unknown parameter and what is allowed', () => {
    expect(apiError(() => q('form=2026-01-01').allowOnly(['from', 'to'])).toBody()).toEqual({
      error: {
        code: 'unknown_parameter',
        message: 'Unknown query parameter "form"',
        parameter: 'form',
        allowed: ['from', 'to'],
      },
    });
  });
});

describe('Function: compareByMetric', () => {
  const entry = (id: string, views: number | null, likes = 0): ReportFigures & { id: string } => ({
    id,
    mentions: 0,
    likes,
    shares: 0,
    comments: 0,
    views,
    engagement: likes,
    reach: null,
    reachEngagement: 0,
    engagementRate: null,
  });

  it('sorts descending, unknown views last, ties by id', () => {
    const sorted = [entry('b', null), entry('c', 5), entry('a', null), entry('d', 5), entry('e', 0)].sort(
      compareByMetric('views', (e) => e.id),
    );
    expect(sorted.map((e) => e.id)).toEqual(['c', 'd', 'e', 'a', 'b']);
  });

  it('puts negative figures below zero', () => {
    const sorted = [entry('a', null, -3), entry('b', null, 0)].sort(compareByMetric('likes', (e) => e.id));
    expect(sorted.map((e) => e.id)).toEqual(['b', 'a']);
  });
});
