import { describe, expect, it } from 'vitest';
import { PLATFORMS } from '../../../shared/platform';
import { createAdapter } from '../../../shared/platforms';

const adapter = (platform: (typeof PLATFORMS)[number]) => createAdapter(platform, { credentials: {} });
const tags = Array.from({ length: 40 }, (_, i) => `#CampaignHashtagNumber${i}`);

describe('Method: buildQueries', () => {
  it.each(PLATFORMS)('%s: normalises and de-duplicates tags before combining them', (platform) => {
    const queries = adapter(platform).buildQueries(['#NextIdea', 'nextidea', '＃ＮｅｘｔＩｄｅａ']);
    expect(queries).toHaveLength(1);
    expect(queries[0]?.toLowerCase()).toContain('nextidea');
    expect(queries[0]).not.toMatch(/NextIdea/);
  });

  it('X: ORs tags into queries of at most 512 characters without retweets', () => {
    const queries = adapter('x').buildQueries(tags);
    expect(queries.length).toBeGreaterThan(1);
    expect(queries.length).toBeLessThan(tags.length);
    for (const q of queries) {
      expect(q.length).toBeLessThanOrEqual(512);
      expect(q).toMatch(/-is:retweet$/);
    }
    expect(queries.join(' ').match(/#campaignhashtagnumber\d+/g)).toHaveLength(tags.length);
  });

  it('Mastodon: four tags per query, the path tag included (the server ignores any[] past that)', () => {
    const queries = adapter('mastodon').buildQueries(tags);
    expect(queries).toHaveLength(10);
    for (const q of queries) expect(q.split(' ').length).toBeLessThanOrEqual(4);
  });

  it('Bluesky and Instagram: one tag per query', () => {
    expect(adapter('bluesky').buildQueries(tags)).toHaveLength(tags.length);
    expect(adapter('instagram').buildQueries(tags)).toHaveLength(tags.length);
    expect(adapter('instagram').buildQueries(['#NextIdea'])).toEqual(['nextidea']);
  });

  it('YouTube: | alternatives within 500 characters; Reddit: OR within 512', () => {
    for (const q of adapter('youtube').buildQueries(tags)) {
      expect(q.length).toBeLessThanOrEqual(500);
      expect(q).toMatch(/^#[^|]+(\|#[^|]+)*$/);
    }
    for (const q of adapter('reddit').buildQueries(tags)) expect(q.length).toBeLessThanOrEqual(512);
    expect(adapter('reddit').buildQueries(['a', 'b'])).toEqual(['#a OR #b']);
  });
});
