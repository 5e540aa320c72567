import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { type Campaign, type KolPulseConfig, normalizeHandle } from '../../shared/config';
import { normalizeHashtag } from '../../shared/hashtags';
import { COUNTERS } from '../../shared/metrics';
import type { Observation } from '../../shared/observation';
import type { Platform } from '../../shared/platform';
import { visibleRollupItems } from '../../shared/rollup-chains';
import { addDays, type Day, dayOf, startOfDay } from '../../shared/time';

/**
 * The reference computation of KOL Pulse's numbers, written straight from design.md's definitions and
 * deliberately sharing no code with the aggregator's delta machinery. Given the configuration and the
 * set of observations delivered, it gives every rollup the product must hold:
 * - mentions(D): posts published on D (campaign zone) carrying a campaign hashtag, inside the window;
 * - likes/shares/comments/views(D): walking a post's snapshots in observedAt order, each known counter
 *   contributes (value - previous known value of that counter, or 0) to the day it was observed on;
 * - views stays unknown on a row no known views reading contributed to;
 * - reach(D): the follower counts of the posts counted as mentions on D, each post's count taken from its
 *   earliest-observed snapshot (unknown there: the post adds nothing, ever; a row no known count reached
 *   has no reach); reachEngagement(D): the likes + shares + comments contributions to D of the posts whose
 *   count is known (engagementRate = reachEngagement / reach, derived by the report);
 * - a KOL's week row (Monday to Sunday of campaign days) is the sum of its day rows.
 * The unit of computation is one post (`postRollups`), so the benchmark's write lower bound can follow a
 * post's rows batch by batch with these same rules. Benchmarks, the fault suite and the e2e test reuse it.
 */

export type RollupKind = 'kol' | 'voice' | 'total' | 'kolWeek';
const DAILY_KINDS: ReadonlySet<string> = new Set<RollupKind>(['kol', 'voice', 'total', 'kolWeek']);

export interface RollupRow {
  campaignId: string;
  kind: RollupKind;
  /** kolId for 'kol' and 'kolWeek', `${platform}:${user id}` for 'voice', '' for 'total'. */
  subject: string;
  /** The week's Monday for 'kolWeek'. */
  day: Day;
  platform: Platform;
  mentions: number;
  likes: number;
  shares: number;
  comments: number;
  /** Absent when no known views value contributed. */
  views?: number;
  /** Absent when no post with a known follower count was mentioned on the row. */
  reach?: number;
  /** Absent when 0. */
  reachEngagement?: number;
}

/** Rows by `rowKey`, with rows that hold nothing (all zero, views unknown) left out. */
export type RollupTable = Record<string, RollupRow>;

export const rowKey = (r: Pick<RollupRow, 'campaignId' | 'kind' | 'subject' | 'day' | 'platform'>): string =>
  `${r.campaignId}|${r.kind}|${r.subject}|${r.day}|${r.platform}`;

/** A discovered voice is one platform account, whatever its handle: keyed by the platform's user id. */
export const voiceSubject = (platform: Platform, userId: string): string => `${platform}:${userId}`;

const isEmptyRow = (r: RollupRow): boolean =>
  r.mentions === 0 &&
  r.likes === 0 &&
  r.shares === 0 &&
  r.comments === 0 &&
  r.views === undefined &&
  r.reach === undefined &&
  !r.reachEngagement;

/** Drops rows that hold nothing (and a 0 reachEngagement), so tables from different sources compare with toEqual. */
export const withoutEmptyRows = (table: RollupTable): RollupTable => {
  const out: RollupTable = {};
  for (const [key, r] of Object.entries(table)) {
    if (isEmptyRow(r)) continue;
    if (r.reachEngagement === 0) delete r.reachEngagement;
    out[key] = r;
  }
  return out;
};

/** Which roster KOL wrote the post: an account's user id where it has one, else its handle on that platform. */
export const rosterKol = (campaign: Campaign, o: Observation): string | undefined => {
  for (const kol of campaign.kols)
    for (const a of kol.accounts) if (a.platform === o.platform && a.userId === o.author.id) return kol.id;
  for (const kol of campaign.kols)
    for (const a of kol.accounts)
      if (
        a.platform === o.platform &&
        a.userId === undefined &&
        normalizeHandle(a.handle) === normalizeHandle(o.author.handle)
      )
        return kol.id;
  return undefined;
};

/** A campaign's hashtags and window [start, end) in ms, worked out once (they are asked per post). */
const windows = new Map<string, { tags: Set<string>; startMs: number; endMs: number }>();
const windowOf = (campaign: Campaign) => {
  const { start, end, timeZone, hashtags } = campaign;
  const key = JSON.stringify([start, end, timeZone, hashtags]);
  let w = windows.get(key);
  if (!w) {
    w = {
      tags: new Set(hashtags.map(normalizeHashtag)),
      startMs: startOfDay(start, timeZone),
      endMs: end ? startOfDay(addDays(end, 1), timeZone) : Number.POSITIVE_INFINITY,
    };
    windows.set(key, w);
  }
  return w;
};

/** Whether the post counts for the campaign: a campaign hashtag, published inside its window. */
export const counts = (campaign: Campaign, o: Observation): boolean => {
  const { tags, startMs, endMs } = windowOf(campaign);
  if (!o.hashtags.some((t) => tags.has(normalizeHashtag(t)))) return false;
  const published = Date.parse(o.publishedAt);
  return published >= startMs && published < endMs;
};

/** Removes exact duplicates and orders a post's snapshots by observation time. */
const snapshotsInOrder = (observations: readonly Observation[]): Observation[] => {
  const unique = new Map(observations.map((o) => [JSON.stringify(o), o]));
  return [...unique.values()].sort((a, b) => Date.parse(a.observedAt) - Date.parse(b.observedAt));
};

/** dayOf, remembered: the bench's write bound asks again for a post's snapshots every batch the post is in. */
const observedDays = new Map<string, Day>();
const observedDayOf = (o: Observation, zone: string): Day => {
  const key = `${zone} ${o.observedAt}`;
  let day = observedDays.get(key);
  if (day === undefined) {
    day = dayOf(o.observedAt, zone);
    observedDays.set(key, day);
  }
  return day;
};

/** Adds a campaign's rows for one post (its snapshots in observation order) to `table`. */
const addPostToCampaign = (
  table: RollupTable,
  campaign: Campaign,
  snapshots: readonly Observation[],
): void => {
  const first = snapshots[0];
  if (!first || !counts(campaign, first)) return;
  const kolId = rosterKol(campaign, first);
  const base = kolId
    ? { kind: 'kol' as const, subject: kolId }
    : { kind: 'voice' as const, subject: voiceSubject(first.platform, first.author.id) };
  const rowsOf = (day: Day, platform: Platform): RollupRow[] =>
    [base, { kind: 'total' as const, subject: '' }].map((target) => {
      const identity = { campaignId: campaign.id, ...target, day, platform };
      const key = rowKey(identity);
      table[key] ??= { ...identity, ...zeroFigures() };
      return table[key];
    });
  const zone = campaign.timeZone;
  const followers = first.author.followers;
  for (const r of rowsOf(dayOf(first.publishedAt, zone), first.platform)) {
    r.mentions += 1;
    if (followers !== undefined) r.reach = (r.reach ?? 0) + followers;
  }
  const observedDays = snapshots.map((s) => observedDayOf(s, zone));
  for (const counter of COUNTERS) {
    const engaging = followers !== undefined && counter !== 'views';
    let previous = 0;
    for (const [i, s] of snapshots.entries()) {
      const value = s.counters[counter];
      if (value === undefined) continue;
      for (const r of rowsOf(observedDays[i] ?? '', s.platform)) {
        r[counter] = (r[counter] ?? 0) + value - previous;
        if (engaging) r.reachEngagement = (r.reachEngagement ?? 0) + value - previous;
      }
      previous = value;
    }
  }
};

/**
 * The rows one post contributes (all snapshots of one platform and post id, in any order): its day rows
 * in every campaign it counts for, and the KOL week rows they add up to. Rows may hold nothing.
 */
export const postRollups = (config: KolPulseConfig, observations: readonly Observation[]): RollupTable => {
  const table: RollupTable = {};
  const snapshots = snapshotsInOrder(observations);
  for (const campaign of config.campaigns) addPostToCampaign(table, campaign, snapshots);
  return withKolWeeks(table);
};

export const computeOracle = (config: KolPulseConfig, delivered: readonly Observation[]): RollupTable => {
  const posts = new Map<string, Observation[]>();
  for (const o of delivered) {
    const key = `${o.platform}\u0000${o.postId}`;
    const list = posts.get(key);
    if (list) list.push(o);
    else posts.set(key, [o]);
  }
  const table: RollupTable = {};
  for (const observations of posts.values())
    for (const [key, r] of Object.entries(postRollups(config, observations))) {
      const { campaignId, kind, subject, day, platform } = r;
      table[key] ??= { campaignId, kind, subject, day, platform, ...zeroFigures() };
      addFigures(table[key], r);
    }
  return withoutEmptyRows(table);
};

/** The Monday on or before a day, computed here from the calendar rather than with shared/time. */
export const mondayOf = (day: Day): Day => {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7));
  return date.toISOString().slice(0, 10);
};

export type Figures = Pick<
  RollupRow,
  'mentions' | 'likes' | 'shares' | 'comments' | 'views' | 'reach' | 'reachEngagement'
>;

export const zeroFigures = (): Figures => ({ mentions: 0, likes: 0, shares: 0, comments: 0 });

/** Adds a row's figures; views stays unknown unless a known views value is added. */
export const addFigures = (into: Figures, add: Figures): void => {
  into.mentions += add.mentions;
  into.likes += add.likes;
  into.shares += add.shares;
  into.comments += add.comments;
  if (add.views !== undefined) into.views = (into.views ?? 0) + add.views;
  if (add.reach !== undefined) into.reach = (into.reach ?? 0) + add.reach;
  if (add.reachEngagement !== undefined)
    into.reachEngagement = (into.reachEngagement ?? 0) + add.reachEngagement;
};

const withKolWeeks = (table: RollupTable): RollupTable => {
  const out: RollupTable = { ...table };
  for (const r of Object.values(table)) {
    if (r.kind !== 'kol') continue;
    const day = mondayOf(r.day);
    const week = {
      campaignId: r.campaignId,
      kind: 'kolWeek' as const,
      subject: r.subject,
      day,
      platform: r.platform,
    };
    const key = rowKey(week);
    const row = out[key] ?? { ...week, ...zeroFigures() };
    addFigures(row, r);
    out[key] = row;
  }
  return out;
};

// ---- Reading rollups back from DynamoDB --------------------------------------------------------------

const asNumber = (value: unknown): number => (typeof value === 'number' ? value : 0);

/**
 * Reads every rollup item (a Scan: tests only, never a request path) and normalises it like the oracle:
 * one row per (campaign, KOL|voice|total|KOL week, day, platform), total shards summed, markers ignored.
 */
export const readRollups = async (doc: DynamoDBDocumentClient, table: string): Promise<RollupTable> => {
  const out: RollupTable = {};
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({ TableName: table, ExclusiveStartKey: startKey, ConsistentRead: true }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  // A chain's rows may fall on two Scan pages: buckets and folds are told apart over all of them.
  for (const item of visibleRollupItems(items)) {
    // Hourly items and spike records (docs/events.md) are not daily figures.
    if (!DAILY_KINDS.has(String(item.kind))) continue;
    const kind = item.kind as RollupRow['kind'];
    const platform = item.platform as Platform;
    const subject =
      kind === 'kol' || kind === 'kolWeek'
        ? String(item.kolId)
        : kind === 'voice'
          ? voiceSubject(platform, String(item.userId))
          : '';
    const day = String(kind === 'kolWeek' ? item.week : item.day);
    const key = rowKey({ campaignId: String(item.campaignId), kind, subject, day, platform });
    out[key] ??= {
      campaignId: String(item.campaignId),
      kind,
      subject,
      day,
      platform,
      mentions: 0,
      likes: 0,
      shares: 0,
      comments: 0,
    };
    const row = out[key];
    row.mentions += asNumber(item.mentions);
    row.likes += asNumber(item.likes);
    row.shares += asNumber(item.shares);
    row.comments += asNumber(item.comments);
    if (typeof item.views === 'number') row.views = (row.views ?? 0) + item.views;
    if (typeof item.reach === 'number') row.reach = (row.reach ?? 0) + item.reach;
    if (typeof item.reachEngagement === 'number')
      row.reachEngagement = (row.reachEngagement ?? 0) + item.reachEngagement;
  }
  return withoutEmptyRows(out);
};
