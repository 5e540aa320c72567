import type { RateLimitState } from './adapter';
import type { RateLimitReader } from './http';

/** Graph API usage headers: percentages of the allowance, and minutes until access returns when throttled. */
export const readGraphUsage: RateLimitReader = (headers, nowMs) => {
  const state: RateLimitState = {};
  for (const name of ['x-business-use-case-usage', 'x-app-usage']) {
    const raw = headers.get(name);
    if (!raw) continue;
    try {
      const parsed = JSON.parse(raw) as unknown;
      const entries: unknown[] =
        name === 'x-app-usage' ? [parsed] : Object.values(parsed as Record<string, unknown[]>).flat();
      for (const entry of entries) {
        const e = entry as Record<string, unknown>;
        // Throttling starts when any of the three reaches 100 (Graph API rate limiting, BUC headers).
        const used = [e.call_count, e.total_cputime, e.total_time].filter((v) => typeof v === 'number');
        if (used.length > 0) {
          const left = Math.max(0, 100 - Math.max(...used));
          // Percent of the allowance left: the closest the Graph API comes to "requests remaining".
          state.remaining = state.remaining === undefined ? left : Math.min(state.remaining, left);
        }
        const regain = e.estimated_time_to_regain_access;
        if (typeof regain === 'number' && regain > 0) state.resetAt = nowMs + regain * 60_000;
      }
    } catch {
      // an unreadable usage header tells nothing
    }
  }
  return state;
};
