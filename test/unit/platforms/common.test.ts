import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../../shared/observation';
import { finishPage, htmlToText, packQueries, stopTimeMs } from '../../../shared/platforms/common';

const observation = (postId: string, publishedAt: string): Observation => ({
  platform: 'x',
  postId,
  author: { id: '1', handle: 'a' },
  hashtags: ['t'],
  publishedAt,
  observedAt: '2025-03-01T12:00:00.000Z',
  counters: {},
});

describe('Function: packQueries', () => {
  const render = (group: readonly string[]) => group.join(' OR ');

  it('puts every term in exactly one query, within the length and term limits', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^#[a-z0-9]{1,30}$/), { maxLength: 60 }),
        fc.integer({ min: 40, max: 600 }),
        fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
        (terms, maxLength, maxTerms) => {
          const queries = packQueries(terms, render, { maxLength, maxTerms });
          expect(queries.flatMap((q) => q.split(' OR ')).sort()).toEqual([...terms].sort());
          for (const q of queries) {
            expect(q.length).toBeLessThanOrEqual(maxLength);
            if (maxTerms) expect(q.split(' OR ').length).toBeLessThanOrEqual(maxTerms);
          }
          expect(queries.length).toBeLessThanOrEqual(terms.length);
        },
      ),
    );
  });

  it('sends a term longer than the limit alone rather than dropping it', () => {
    expect(packQueries(['#short', `#${'x'.repeat(50)}`, '#b'], render, { maxLength: 20 })).toEqual([
      '#short',
      `#${'x'.repeat(50)}`,
      '#b',
    ]);
  });
});

describe('Function: finishPage', () => {
  const page = [
    observation('3', '2025-03-01T11:00:00.000Z'),
    observation('2', '2025-03-01T10:00:00.000Z'),
    observation('1', '2025-03-01T09:00:00.000Z'),
  ];

  it('keeps paging while the page is newer than the cursor minus the overlap', () => {
    const result = finishPage(
      { query: 'q', since: { time: '2025-03-01T08:30:00.000Z' }, overlapMs: 0 },
      page,
      [],
      'next',
    );
    expect(result.nextPageToken).toBe('next');
    expect(result.newest).toEqual({ id: '3', time: '2025-03-01T11:00:00.000Z' });
  });

  it('stops at the stop time and drops what lies behind it', () => {
    const result = finishPage(
      { query: 'q', since: { time: '2025-03-01T10:30:00.000Z' }, overlapMs: 30 * 60_000 },
      page,
      [],
      'next',
    );
    expect(result.nextPageToken).toBeUndefined();
    expect(result.observations.map((o) => o.postId)).toEqual(['3', '2']);
  });

  it('stops at an id-only cursor when the page reaches it', () => {
    const result = finishPage({ query: 'q', since: { id: '2' }, overlapMs: 0 }, page, [], 'next');
    expect(result.nextPageToken).toBeUndefined();
  });

  it('takes the later of the overlap point and notBefore', () => {
    expect(
      stopTimeMs({
        query: 'q',
        since: { time: '2025-03-01T10:00:00.000Z' },
        overlapMs: 3_600_000,
        notBefore: '2025-03-01T09:30:00.000Z',
      }),
    ).toBe(Date.parse('2025-03-01T09:30:00.000Z'));
  });
});

describe('Function: htmlToText', () => {
  it('turns Mastodon HTML into text that keeps its hashtags', () => {
    expect(
      htmlToText(
        '<p>Hi &amp; welcome <a href="x" class="hashtag">#<span>NextIdea</span></a></p><p>&#35;two</p>',
      ),
    ).toBe('Hi & welcome #NextIdea\n#two\n');
  });
});
