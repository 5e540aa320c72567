import { existsSync, readFileSync } from 'node:fs';
import type { DemoPostSnapshot } from '../../../infra/local/demo/posts';
import type { KolPulseConfig } from '../../../shared/config';
import { type Observation, ObservationSchema } from '../../../shared/observation';
import type { Platform } from '../../../shared/platform';
import { addDays, type Day, dayOf, weekStartOf } from '../../../shared/time';
import {
  addFigures,
  type Figures,
  type RollupRow,
  type RollupTable,
  rowKey,
  voiceSubject,
  withoutEmptyRows,
  zeroFigures,
} from '../../support/oracle';

/** Reads the rollups back through the reporting API in the oracle's shape, so the two compare with toEqual. */

interface ApiFigures {
  mentions: number;
  likes: number;
  shares: number;
  comments: number;
  views: number | null;
  reach: number | null;
  reachEngagement: number;
}
interface ApiDay {
  day: Day;
  platforms: Partial<Record<Platform, ApiFigures>>;
}
interface ApiVoice extends ApiFigures {
  platform: Platform;
  handle: string;
  userId: string | null;
}
interface ApiLeader extends ApiFigures {
  kolId: string;
}

const getJson = async <T>(url: string): Promise<T> => {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
};

/** The API's figures in the oracle's shape: unknown views or reach absent, a 0 reachEngagement absent. */
const oracleFigures = (f: ApiFigures): Figures => ({
  mentions: f.mentions,
  likes: f.likes,
  shares: f.shares,
  comments: f.comments,
  ...(f.views === null ? {} : { views: f.views }),
  ...(f.reach === null ? {} : { reach: f.reach }),
  ...(f.reachEngagement === 0 ? {} : { reachEngagement: f.reachEngagement }),
});

const toRow = (base: Omit<RollupRow, keyof Figures>, f: ApiFigures) => ({ ...base, ...oracleFigures(f) });

export interface DayRanges {
  [campaignId: string]: { from: Day; to: Day };
}

/** The day range worth asking for: every day the oracle has rows on, and today, in the campaign's zone. */
export const rangesFor = (config: KolPulseConfig, ...tables: RollupTable[]): DayRanges => {
  const ranges: DayRanges = {};
  for (const c of config.campaigns) {
    const today = dayOf(Date.now(), c.timeZone);
    const days = tables.flatMap((t) =>
      Object.values(t)
        .filter((r) => r.campaignId === c.id)
        .map((r) => r.day),
    );
    const all = [today, ...days].sort();
    ranges[c.id] = { from: all[0] ?? today, to: all[all.length - 1] ?? today };
  }
  return ranges;
};

/** Campaign totals and every roster KOL's series, per day and platform. */
export const dailyRowsFromApi = async (
  baseUrl: string,
  config: KolPulseConfig,
  ranges: DayRanges,
): Promise<RollupTable> => {
  const table: RollupTable = {};
  const add = (rows: ApiDay[], campaignId: string, kind: 'kol' | 'total', subject: string) => {
    for (const d of rows)
      for (const [platform, figures] of Object.entries(d.platforms) as [Platform, ApiFigures][]) {
        const row = toRow({ campaignId, kind, subject, day: d.day, platform }, figures);
        table[rowKey(row)] = row;
      }
  };
  for (const c of config.campaigns) {
    const { from, to } = ranges[c.id] ?? { from: c.start, to: c.start };
    const q = `from=${from}&to=${to}`;
    const totals = await getJson<{ days: ApiDay[] }>(`${baseUrl}/campaigns/${c.id}/totals?${q}`);
    add(totals.days, c.id, 'total', '');
    for (const kol of c.kols) {
      const series = await getJson<{ days: ApiDay[] }>(
        `${baseUrl}/campaigns/${c.id}/kols/${kol.id}/series?${q}`,
      );
      add(series.days, c.id, 'kol', kol.id);
    }
  }
  return withoutEmptyRows(table);
};

/** Per-voice or per-KOL figures over the whole range (the ranking endpoints sum over a range, not per day). */
export type RangeTotals = Record<string, Figures>;

/** A 0 reachEngagement is the same as none (the API always reports it, the oracle only when it moved). */
const withoutZeroReachEngagement = (totals: RangeTotals): RangeTotals => {
  for (const f of Object.values(totals)) if (f.reachEngagement === 0) delete f.reachEngagement;
  return totals;
};

/** Every item of a ranking endpoint (leaderboard or voices) for each campaign, paged, keyed by `keyOf`. */
const rankingFromApi = async <T extends ApiFigures>(
  config: KolPulseConfig,
  ranges: DayRanges,
  urlOf: (campaignId: string, from: Day, to: Day) => string,
  keyOf: (campaignId: string, item: T) => string,
): Promise<RangeTotals> => {
  const out: RangeTotals = {};
  for (const c of config.campaigns) {
    const { from, to } = ranges[c.id] ?? { from: c.start, to: c.start };
    let next: string | null = null;
    do {
      const page: { items: T[]; next: string | null } = await getJson(
        `${urlOf(c.id, from, to)}&limit=500${next ? `&next=${encodeURIComponent(next)}` : ''}`,
      );
      for (const item of page.items) out[keyOf(c.id, item)] = oracleFigures(item);
      next = page.next;
    } while (next);
  }
  return out;
};

/**
 * Every roster KOL's figures from the leaderboard over whole Monday-to-Sunday weeks around the range, so
 * the endpoint answers from the KOL week items alone (no leftover days).
 */
export const leaderboardFromApi = (baseUrl: string, config: KolPulseConfig, ranges: DayRanges) =>
  rankingFromApi<ApiLeader>(
    config,
    ranges,
    (c, from, to) =>
      `${baseUrl}/campaigns/${c}/leaderboard?from=${weekStartOf(from)}&to=${addDays(weekStartOf(to), 6)}`,
    (c, kol) => `${c}|${kol.kolId}`,
  );

export const voiceTotalsFromApi = (baseUrl: string, config: KolPulseConfig, ranges: DayRanges) =>
  rankingFromApi<ApiVoice>(
    config,
    ranges,
    (c, from, to) => `${baseUrl}/campaigns/${c}/voices?from=${from}&to=${to}`,
    (c, v) => `${c}|${voiceSubject(v.platform, v.userId ?? '')}`,
  );

/** Every roster KOL's figures summed over its day rows (zeros for a KOL without any). */
export const leaderboardFromOracle = (config: KolPulseConfig, table: RollupTable): RangeTotals => {
  const out: RangeTotals = {};
  for (const c of config.campaigns) for (const kol of c.kols) out[`${c.id}|${kol.id}`] = zeroFigures();
  for (const r of Object.values(table)) {
    const sum = out[`${r.campaignId}|${r.subject}`];
    if (r.kind === 'kol' && sum) addFigures(sum, r);
  }
  return withoutZeroReachEngagement(out);
};

/** Sums a table's rows over days (and keeps per-day mentions separately, which never move between days). */
export const collapseDays = (
  table: RollupTable,
): { counters: Record<string, Partial<RollupRow>>; mentions: Record<string, number> } => {
  const counters: Record<string, Partial<RollupRow>> = {};
  const mentions: Record<string, number> = {};
  for (const r of Object.values(table)) {
    if (r.mentions !== 0) mentions[rowKey(r)] = r.mentions;
    const key = `${r.campaignId}|${r.kind}|${r.subject}|${r.platform}`;
    counters[key] ??= { likes: 0, shares: 0, comments: 0 };
    const sum = counters[key];
    sum.likes = (sum.likes ?? 0) + r.likes;
    sum.shares = (sum.shares ?? 0) + r.shares;
    sum.comments = (sum.comments ?? 0) + r.comments;
    if (r.views !== undefined) sum.views = (sum.views ?? 0) + r.views;
  }
  return { counters, mentions };
};

export const voiceTotalsFromOracle = (table: RollupTable): RangeTotals => {
  const out: RangeTotals = {};
  for (const r of Object.values(table)) {
    if (r.kind !== 'voice') continue;
    const key = `${r.campaignId}|${r.subject}`;
    const sum = out[key] ?? zeroFigures();
    addFigures(sum, r);
    out[key] = sum;
  }
  return withoutZeroReachEngagement(out);
};

/**
 * The only rows the daily comparison covers: totals and roster KOL days (voices and KOL weeks are compared
 * through the ranking endpoints).
 */
export const kolAndTotalDays = (table: RollupTable): RollupTable =>
  Object.fromEntries(Object.entries(table).filter(([, r]) => r.kind === 'kol' || r.kind === 'total'));

/**
 * Every observation the running twin has recorded so far. The twin appends while this reads, so text after
 * the last newline is a line still being written: it is left for the next read.
 */
export const readRecorded = (file: string): Observation[] => {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => ObservationSchema.parse(JSON.parse(line)));
};

export const readDemoPosts = (file: string): DemoPostSnapshot[] =>
  (JSON.parse(readFileSync(file, 'utf8')) as { posts: DemoPostSnapshot[] }).posts;

/** The latest recorded snapshot of every post. */
export const latestSnapshots = (observations: readonly Observation[]): Map<string, Observation> => {
  const latest = new Map<string, Observation>();
  for (const o of observations) {
    const key = `${o.platform}|${o.postId}`;
    const seen = latest.get(key);
    if (!seen || Date.parse(o.observedAt) >= Date.parse(seen.observedAt)) latest.set(key, o);
  }
  return latest;
};

/** Live campaign posts whose final likes/comments the pollers have not queued (should be none). */
export const unseenFinalStates = (
  posts: readonly DemoPostSnapshot[],
  recorded: readonly Observation[],
): string[] => {
  const latest = latestSnapshots(recorded);
  return posts
    .filter((p) => p.kind === 'campaign' && !p.deleted)
    .filter((p) => {
      const seen = latest.get(`${p.platform}|${p.postId}`);
      return (
        !seen || seen.counters.likes !== p.counters.likes || seen.counters.comments !== p.counters.comments
      );
    })
    .map((p) => `${p.platform}:${p.postId}`);
};
