import { normalizeHashtag } from '../../../shared/hashtags';
import type { Platform } from '../../../shared/platform';
import { dayOf } from '../../../shared/time';
import type { ApiResponse } from './context';
import { youtubeQuotaExceededBody } from './platforms/youtube';

/**
 * The platforms' quotas and charges, enforced the way the real APIs answer (docs/platforms.md, "Budgets"):
 * YouTube's two daily buckets (search.list calls, units for everything else) reset at midnight Pacific time
 * and answered with 403 `quotaExceeded`; X's charge per post read, once per post per UTC day, and its
 * monthly read cap answered with 429 `UsageCapExceeded`; Instagram's 30 unique hashtags per rolling 7 days
 * and its business-use-case usage header (`X-Business-Use-Case-Usage`, throttled at 100 %).
 */
export interface QuotaOptions {
  youtube?: { search: number; units: number };
  x?: { readsPerMonth: number };
  instagram?: { hashtagsPer7Days: number; callsPerHour: number };
}

const PT = 'America/Los_Angeles';
const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;

export class PlatformQuotas {
  /** YouTube use per Pacific day: `{day}#search` and `{day}#units`. */
  readonly youtube = new Map<string, number>();
  /** X: posts read per UTC day, and reads charged per UTC month. */
  readonly xReadToday = new Map<string, Set<string>>();
  readonly xCharged = new Map<string, number>();
  /** Instagram: first query time of each hashtag, and call times (for the usage header). */
  readonly igHashtags = new Map<string, number>();
  private igCalls: number[] = [];

  constructor(readonly options: QuotaOptions) {}

  /** The platform's refusal of a request over quota, or undefined to answer it. */
  refuse(platform: Platform, path: string, query: URLSearchParams, nowMs: number): ApiResponse | undefined {
    if (platform === 'youtube' && this.options.youtube) return this.youtubeTake(path, nowMs);
    if (platform === 'x' && this.options.x) {
      if ((this.xCharged.get(monthOf(nowMs)) ?? 0) >= this.options.x.readsPerMonth)
        return {
          status: 429,
          body: {
            title: 'UsageCapExceeded',
            detail: 'Usage cap exceeded: Monthly product cap',
            type: 'https://api.twitter.com/2/problems/usage-capped',
            period: 'Monthly',
            scope: 'Product',
          },
        };
    }
    if (platform === 'instagram' && this.options.instagram) return this.instagramTake(path, query, nowMs);
    return undefined;
  }

  /** Charges what an answered request read (X: posts returned) and adds the usage headers. */
  charge(platform: Platform, answer: ApiResponse, nowMs: number): Record<string, string> {
    if (platform === 'x' && this.options.x && answer.status === 200) {
      const day = dayOf(nowMs, 'UTC');
      const read = this.xReadToday.get(day) ?? new Set<string>();
      this.xReadToday.set(day, read);
      const data = (answer.body as { data?: { id?: string }[] }).data ?? [];
      const month = monthOf(nowMs);
      for (const post of data)
        if (post.id && !read.has(post.id)) {
          read.add(post.id);
          this.xCharged.set(month, (this.xCharged.get(month) ?? 0) + 1);
        }
    }
    if (platform === 'instagram' && this.options.instagram)
      return { 'X-Business-Use-Case-Usage': this.usage(nowMs) };
    return {};
  }

  youtubeUsed(nowMs: number, bucket: 'search' | 'units'): number {
    return this.youtube.get(`${dayOf(nowMs, PT)}#${bucket}`) ?? 0;
  }

  /** X reads charged in the month of `nowMs`. */
  xReadsCharged(nowMs: number): number {
    return this.xCharged.get(monthOf(nowMs)) ?? 0;
  }

  private youtubeTake(path: string, nowMs: number): ApiResponse | undefined {
    const limits = this.options.youtube;
    if (!limits) return undefined;
    const bucket = path.endsWith('/search') ? 'search' : 'units';
    const key = `${dayOf(nowMs, PT)}#${bucket}`;
    const used = this.youtube.get(key) ?? 0;
    if (used >= limits[bucket]) return { status: 403, body: youtubeQuotaExceededBody() };
    this.youtube.set(key, used + 1);
    return undefined;
  }

  private instagramTake(path: string, query: URLSearchParams, nowMs: number): ApiResponse | undefined {
    const limits = this.options.instagram;
    if (!limits) return undefined;
    this.igCalls = this.igCalls.filter((t) => t > nowMs - HOUR);
    if (this.igCalls.length >= limits.callsPerHour)
      return {
        status: 400,
        body: { error: { message: 'User request limit reached', type: 'OAuthException', code: 17 } },
        headers: { 'X-Business-Use-Case-Usage': this.usage(nowMs) },
      };
    this.igCalls.push(nowMs);
    const tag = path.endsWith('/ig_hashtag_search') ? query.get('q') : null;
    if (!tag) return undefined;
    for (const [t, first] of this.igHashtags) if (first <= nowMs - WEEK) this.igHashtags.delete(t);
    const name = normalizeHashtag(tag);
    if (this.igHashtags.has(name)) return undefined;
    if (this.igHashtags.size >= limits.hashtagsPer7Days)
      return {
        status: 400,
        body: {
          error: {
            message: `(#24) Cannot query more than ${limits.hashtagsPer7Days} unique hashtags within 7 days`,
            type: 'OAuthException',
            code: 24,
            error_subcode: 2207034,
          },
        },
        headers: { 'X-Business-Use-Case-Usage': this.usage(nowMs) },
      };
    this.igHashtags.set(name, nowMs);
    return undefined;
  }

  private usage(nowMs: number): string {
    const limit = this.options.instagram?.callsPerHour ?? 1;
    const used = this.igCalls.filter((t) => t > nowMs - HOUR);
    const percent = Math.min(100, Math.round((used.length / limit) * 100));
    const oldest = used[0];
    const regain = percent >= 100 && oldest !== undefined ? Math.ceil((oldest + HOUR - nowMs) / 60_000) : 0;
    return JSON.stringify({
      '17841400000000000': [
        {
          type: 'instagram',
          call_count: percent,
          total_cputime: Math.round(percent / 2),
          total_time: Math.round(percent / 2),
          estimated_time_to_regain_access: regain,
        },
      ],
    });
  }
}

const monthOf = (nowMs: number) => new Date(nowMs).toISOString().slice(0, 7);
