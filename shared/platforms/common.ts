import { z } from 'zod';
import { describeIssues } from '../config';
import { normalizeHashtag } from '../hashtags';
import { type Observation, ObservationSchema } from '../observation';
import type { Platform } from '../platform';
import {
  PermanentPlatformError,
  type PlatformCredentials,
  type RefreshResult,
  type RejectedItem,
  type SearchPage,
  type SearchRequest,
  TransientPlatformError,
} from './adapter';

/** Helpers shared by the adapters: parsing pages item by item, paging stop rule, query packing. */

/** A non-negative integer counter as platforms send it. */
export const CountSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

const MAX_REJECT_CHARS = 2_000;

/** A reject keeps the raw item for diagnosis, truncated so a reject record stays small. */
export const rejectItem = (platform: Platform, reason: string, item: unknown): RejectedItem => {
  let json: string | undefined;
  try {
    json = JSON.stringify(item);
  } catch {
    json = undefined;
  }
  const kept =
    json === undefined || json.length <= MAX_REJECT_CHARS
      ? item
      : { truncated: json.slice(0, MAX_REJECT_CHARS) };
  return { platform, reason, item: kept };
};

/** Parses a response envelope; a body that does not have the documented shape is a transient failure. */
export const parseEnvelope = <T>(
  platform: Platform,
  schema: z.ZodType<T>,
  body: unknown,
  what: string,
): T => {
  const result = schema.safeParse(body);
  if (!result.success)
    throw new TransientPlatformError(
      platform,
      `${what}: unexpected response shape: ${describeIssues(result.error)}`,
    );
  return result.data;
};

export type ItemOutcome = Observation | { reject: string };

/**
 * Maps raw items one by one: an item that fails its schema, its mapping or the observation schema becomes a
 * RejectedItem with the reason; the others count.
 */
export const mapItems = <T>(
  platform: Platform,
  items: readonly unknown[],
  schema: z.ZodType<T>,
  toObservation: (item: T) => ItemOutcome,
): { observations: Observation[]; rejects: RejectedItem[] } => {
  const observations: Observation[] = [];
  const rejects: RejectedItem[] = [];
  for (const raw of items) {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      rejects.push(rejectItem(platform, describeIssues(parsed.error), raw));
      continue;
    }
    const mapped = toObservation(parsed.data);
    if ('reject' in mapped) {
      rejects.push(rejectItem(platform, mapped.reject, raw));
      continue;
    }
    const checked = ObservationSchema.safeParse(mapped);
    if (!checked.success) {
      rejects.push(rejectItem(platform, `observation: ${describeIssues(checked.error)}`, raw));
      continue;
    }
    observations.push(checked.data);
  }
  return { observations, rejects };
};

/** ISO instant in the canonical form (UTC, milliseconds); undefined when the input is not a date. */
export const canonicalInstant = (value: string | number): string | undefined => {
  const ms = typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
};

/** Earliest publish time (epoch ms) the search still needs: the cursor minus the overlap, or notBefore. */
export const stopTimeMs = (request: SearchRequest): number | undefined => {
  const candidates: number[] = [];
  if (request.since?.time !== undefined) {
    const t = Date.parse(request.since.time);
    if (Number.isFinite(t)) candidates.push(t - Math.max(0, request.overlapMs));
  }
  if (request.notBefore !== undefined) {
    const t = Date.parse(request.notBefore);
    if (Number.isFinite(t)) candidates.push(t);
  }
  return candidates.length > 0 ? Math.max(...candidates) : undefined;
};

const newer = (a: Observation, b: Observation): boolean =>
  a.publishedAt === b.publishedAt
    ? a.postId > b.postId
    : Date.parse(a.publishedAt) > Date.parse(b.publishedAt);

/**
 * Finishes a newest-first search page: drops posts older than the stop time (already read in an earlier cycle,
 * or before the campaign), reports the page's newest post as the next cursor, and ends the paging once the page
 * reaches the stop time or the cursor's post id.
 */
export const finishPage = (
  request: SearchRequest,
  observations: Observation[],
  rejects: RejectedItem[],
  platformNextToken: string | undefined,
  /** False for feeds that are not newest first (Instagram recent_media): page on to the end, never stop early. */
  chronological = true,
): SearchPage => {
  const stopAt = stopTimeMs(request);
  let newest: Observation | undefined;
  let oldestMs: number | undefined;
  for (const o of observations) {
    if (!newest || newer(o, newest)) newest = o;
    const t = Date.parse(o.publishedAt);
    if (oldestMs === undefined || t < oldestMs) oldestMs = t;
  }
  const reachedTime = stopAt !== undefined && oldestMs !== undefined && oldestMs < stopAt;
  const sinceId = request.since?.time === undefined ? request.since?.id : undefined;
  const reachedId = sinceId !== undefined && observations.some((o) => o.postId === sinceId);
  const kept =
    stopAt === undefined ? observations : observations.filter((o) => Date.parse(o.publishedAt) >= stopAt);
  const page: SearchPage = { observations: kept, rejects };
  const reached = chronological && (reachedTime || reachedId);
  if (!reached && platformNextToken) page.nextPageToken = platformNextToken;
  if (newest) page.newest = { id: newest.postId, time: newest.publishedAt };
  return page;
};

/**
 * Packs terms into as few queries as the platform allows: each query is `render(group)`, no longer than
 * `maxLength` characters and with at most `maxTerms` terms. A single term too long for a query on its own
 * is still sent alone (the platform will say what is wrong with it).
 */
export const packQueries = (
  terms: readonly string[],
  render: (group: readonly string[]) => string,
  limits: { maxLength: number; maxTerms?: number },
): string[] => {
  const queries: string[] = [];
  let group: string[] = [];
  for (const term of terms) {
    const candidate = [...group, term];
    const fits =
      render(candidate).length <= limits.maxLength &&
      (limits.maxTerms === undefined || candidate.length <= limits.maxTerms);
    if (fits || group.length === 0) {
      group = candidate;
      if (!fits) {
        queries.push(render(group));
        group = [];
      }
    } else {
      queries.push(render(group));
      group = [term];
    }
  }
  if (group.length > 0) queries.push(render(group));
  return queries;
};

/** Normalised, de-duplicated hashtags in order of first appearance. */
export const uniqueHashtags = (tags: Iterable<string>): string[] => {
  const seen = new Set<string>();
  for (const tag of tags) {
    const n = normalizeHashtag(tag);
    if (n) seen.add(n);
  }
  return [...seen];
};

/** Normalised unique hashtags of a campaign, ready for `buildQueries`. */
export const queryTags = (hashtags: readonly string[]): string[] => uniqueHashtags(hashtags);

/** Plain text of an HTML fragment (Mastodon statuses): tags removed, entities decoded, paragraphs spaced. */
export const htmlToText = (html: string): string =>
  html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|#39);/gi, (_, entity: string) => {
      const e = entity.toLowerCase();
      if (e.startsWith('#x')) return String.fromCodePoint(Number.parseInt(e.slice(2), 16));
      if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
      return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[e] ?? '';
    });

/** The credential field or a PermanentPlatformError naming it (an operator has to create it). */
export const requireCredential = (
  platform: Platform,
  credentials: PlatformCredentials,
  field: keyof PlatformCredentials,
): string => {
  const value = credentials[field];
  if (value === undefined || value === '')
    throw new PermanentPlatformError(
      platform,
      `${platform} credentials need "${field}" (see docs/platforms.md)`,
    );
  return value;
};

/** Base URL without a trailing slash. */
export const trimBase = (url: string): string => url.replace(/\/+$/, '');

/** A query string from pairs; repeated keys (Mastodon `any[]`, Bluesky `uris`) are kept in order. */
export const queryString = (pairs: readonly (readonly [string, string | number | undefined])[]): string => {
  const params = new URLSearchParams();
  for (const [k, v] of pairs) if (v !== undefined) params.append(k, String(v));
  return params.toString();
};

/**
 * A refresh answer: ids neither observed nor rejected are `missing` (deleted or hidden). A rejected item
 * still exists, so it is not missing unless `countsAsSeen` says otherwise (e.g. Reddit's deleted authors).
 */
export const refreshResult = (
  postIds: readonly string[],
  observations: Observation[],
  rejects: RejectedItem[],
  options: {
    idField?: string;
    countsAsSeen?: (reject: RejectedItem) => boolean;
    toPostId?: (id: string) => string;
  } = {},
): RefreshResult => {
  const field = options.idField ?? 'id';
  const seen = new Set(observations.map((o) => o.postId));
  for (const r of rejects) {
    const id = (r.item as Record<string, unknown> | undefined)?.[field];
    if (typeof id === 'string' && (options.countsAsSeen?.(r) ?? true)) seen.add(id);
  }
  const toPostId = options.toPostId ?? ((id: string) => id);
  return { observations, rejects, missing: postIds.filter((id) => !seen.has(toPostId(id))) };
};
