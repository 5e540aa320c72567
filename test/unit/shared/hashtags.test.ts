import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../shared/config';
import { extractHashtags, hashtagProblem, normalizeHashtag } from '../../../shared/hashtags';

const configWith = (hashtags: string[]) => ({
  campaigns: [{ id: 'launch', name: 'Launch', hashtags, start: '2026-12-01' }],
});

describe('hashtags with invisible characters', () => {
  it('reads a zero-width character inside a tag the same way in text and in entities', () => {
    const inText = extractHashtags('new post #Next\u200BIdea today');
    const inEntity = normalizeHashtag('Next\u200BIdea');
    expect(inText).toEqual(['nextidea']);
    expect(inEntity).toBe('nextidea');
  });

  it('ignores bidi controls and the BOM inside a tag', () => {
    expect(extractHashtags('#\u202ENext\uFEFFIdea')).toEqual(['nextidea']);
  });
});

describe('configured hashtags must be single, visible tags', () => {
  it.each([
    ['Next Idea', 'white space'],
    ['Next\u200BIdea', 'invisible character'],
    ['Next-Idea', 'cannot hold'],
    ['#', 'empty'],
  ])('rejects %j naming the campaign and the tag', (tag, reason) => {
    expect(hashtagProblem(tag)).toContain(reason);
    expect(() => parseConfig(configWith(['NextIdea', tag]))).toThrow(
      new RegExp(`campaigns\\[0\\]\\.hashtags\\[1\\]: hashtag .* of campaign "launch" .*${reason}`),
    );
  });

  it.each(['#NextIdea', 'nextidea', '#腾讯NextIdea', '＃ＮｅｘｔＩｄｅａ', 'next_idea'])(
    'accepts %j',
    (tag) => {
      expect(hashtagProblem(tag)).toBeUndefined();
      expect(() => parseConfig(configWith([tag]))).not.toThrow();
    },
  );
});
