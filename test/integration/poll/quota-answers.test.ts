import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LOCAL_PLATFORM_CREDENTIALS,
  type PlatformApi,
  PlatformStore,
  startPlatformApi,
} from '../../../infra/local/platform-api';
import { createAdapter } from '../../../shared/platforms';
import { QuotaExhaustedError } from '../../../shared/platforms/adapter';

/** The local platform API answers over-quota requests as the real APIs do, and the adapters map them per bucket. */
describe('quota answers of the local platform API, as the adapters read them', () => {
  let t = Date.parse('2025-07-01T12:00:00Z');
  let api: PlatformApi;
  const store = new PlatformStore();
  beforeAll(async () => {
    api = await startPlatformApi({
      store,
      now: () => t,
      quotas: {
        youtube: { search: 1, units: 3 },
        x: { readsPerMonth: 2 },
        instagram: { hashtagsPer7Days: 2, callsPerHour: 5 },
      },
    });
    for (const platform of ['youtube', 'x'] as const)
      for (let i = 0; i < 3; i++)
        store.add({
          platform,
          author: { handle: `a${i}`, id: `UC${String(i).padStart(22, 'a')}` },
          hashtags: ['launch'],
          text: '#launch',
          publishedAt: t - 60_000 * (i + 1),
        });
  });
  afterAll(() => api.close());

  const adapterOf = (platform: 'youtube' | 'x' | 'instagram') =>
    createAdapter(platform, {
      credentials: { ...LOCAL_PLATFORM_CREDENTIALS[platform] },
      baseUrl: api.baseUrls[platform],
      now: () => t,
    });

  it('YouTube: 403 quotaExceeded names the bucket, and each bucket resets at midnight Pacific time', async () => {
    const youtube = adapterOf('youtube');
    await youtube.searchPage({ query: '#launch', overlapMs: 0 }); // 1 search + 2 units (videos.list, channels.list for follower counts)
    const searchError = await youtube.searchPage({ query: '#launch', overlapMs: 0 }).catch((e) => e);
    expect(searchError).toBeInstanceOf(QuotaExhaustedError);
    expect(searchError.quota).toBe('search');
    expect(new Date(searchError.retryAt).toISOString()).toBe('2025-07-02T07:00:00.000Z');
    const ids = store.list('youtube').map((p) => p.id);
    await youtube.refresh(ids); // the units bucket still has one: follower counts come from the day cache
    const unitsError = await youtube.refresh(ids).catch((e) => e);
    expect(unitsError.quota).toBe('units');
    t = Date.parse('2025-07-02T07:00:01Z');
    await expect(youtube.refresh(ids)).resolves.toBeDefined();
  });

  it('X: charges each post once per UTC day and answers 429 UsageCapExceeded over the monthly cap', async () => {
    const x = adapterOf('x');
    const ids = store.list('x').map((p) => p.id);
    await x.refresh(ids.slice(0, 1));
    await x.refresh(ids.slice(0, 1)); // same post, same UTC day: no charge
    expect(api.quotas?.xReadsCharged(t)).toBe(1);
    await x.refresh(ids.slice(1, 2));
    expect(api.quotas?.xReadsCharged(t)).toBe(2);
    const capped = await x.refresh(ids.slice(2, 3)).catch((e) => e);
    expect(capped).toBeInstanceOf(QuotaExhaustedError);
    expect(capped.quota).toBe('reads');
  });

  it('Instagram: 30-hashtags-a-week rule (scaled to 2) and the X-Business-Use-Case-Usage header', async () => {
    const instagram = adapterOf('instagram');
    await instagram.searchPage({ query: 'one', overlapMs: 0 });
    await instagram.searchPage({ query: 'two', overlapMs: 0 });
    await expect(instagram.searchPage({ query: 'three', overlapMs: 0 })).rejects.toThrow(/unique hashtags/);
    // five calls of five an hour: the usage header says 100 %, which the adapter reads as nothing left
    expect(instagram.rateLimit().remaining).toBe(0);
    // and the next call is throttled (code 17)
    await expect(instagram.searchPage({ query: 'one', overlapMs: 0 })).rejects.toThrow(/throttled/);
  });
});
