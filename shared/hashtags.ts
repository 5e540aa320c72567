/**
 * Hashtag normalisation: NFKC then full-width/compatibility folding, then locale-independent lower case.
 * `#NextIdea`, `#nextidea`, `＃ＮｅｘｔＩｄｅａ` and `NextIdea` all normalise to `nextidea`; `#腾讯NextIdea`
 * normalises to `腾讯nextidea` (CJK characters are kept as they are).
 */
export const normalizeHashtag = (tag: string): string => {
  const folded = tag.normalize('NFKC').toLowerCase().normalize('NFKC');
  return folded.replace(/^#+/u, '').trim();
};

// A hashtag is '#' or '＃' followed by letters, marks, numbers, connector punctuation (underscore) in any script.
const HASHTAG_PATTERN = /[#＃]([\p{L}\p{M}\p{N}\p{Pc}]+)/gu;

/** Extracts normalised hashtags from free text, in order of first appearance, without duplicates. */
export const extractHashtags = (text: string): string[] => {
  const seen = new Set<string>();
  for (const match of text.normalize('NFKC').matchAll(HASHTAG_PATTERN)) {
    const tag = normalizeHashtag(match[1] ?? '');
    if (tag) seen.add(tag);
  }
  return [...seen];
};

/** True when any of the post's tags equals one of the campaign's tags after normalisation. */
export const matchesAnyHashtag = (postTags: readonly string[], campaignTags: ReadonlySet<string>): boolean =>
  postTags.some((t) => campaignTags.has(normalizeHashtag(t)));
