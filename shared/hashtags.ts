/**
 * Hashtag normalisation: NFKC then full-width/compatibility folding, then locale-independent lower case.
 * `#NextIdea`, `#nextidea`, `＃ＮｅｘｔＩｄｅａ` and `NextIdea` all normalise to `nextidea`; `#腾讯NextIdea`
 * normalises to `腾讯nextidea` (CJK characters are kept as they are).
 */
export const normalizeHashtag = (tag: string): string => {
  const folded = withoutInvisibles(tag).normalize('NFKC').toLowerCase().normalize('NFKC');
  return folded.replace(/^#+/u, '').trim();
};

/**
 * Format characters (zero-width space and joiners, word joiner, BOM, bidi controls: Unicode category Cf)
 * are invisible, so they are never part of a tag's identity. Removing them before matching makes
 * `#Next\u200BIdea` in a post's text, the same tag in a platform's entities or facets, and `NextIdea` in the
 * configuration all the same tag.
 */
const INVISIBLE = /\p{Cf}/gu;
const HAS_INVISIBLE = /\p{Cf}/u;
export const withoutInvisibles = (text: string): string => text.replace(INVISIBLE, '');

/** Why a configured hashtag can never match a post, or undefined when it is a usable single tag. */
export const hashtagProblem = (tag: string): string | undefined => {
  if (HAS_INVISIBLE.test(tag))
    return 'contains an invisible character (zero-width or bidi control); retype it';
  const normalized = normalizeHashtag(tag);
  if (!normalized) return 'is empty after normalisation';
  if (/\s/u.test(normalized)) return 'contains white space; a hashtag is a single word such as "NextIdea"';
  const [match] = extractHashtags(`#${normalized}`);
  if (match !== normalized)
    return 'contains characters a hashtag cannot hold (letters, digits, marks and "_" only)';
  return undefined;
};

// A hashtag is '#' or '＃' followed by letters, marks, numbers, connector punctuation (underscore) in any script.
const HASHTAG_PATTERN = /[#＃]([\p{L}\p{M}\p{N}\p{Pc}]+)/gu;

/** Extracts normalised hashtags from free text, in order of first appearance, without duplicates. */
export const extractHashtags = (text: string): string[] => {
  const seen = new Set<string>();
  for (const match of withoutInvisibles(text).normalize('NFKC').matchAll(HASHTAG_PATTERN)) {
    const tag = normalizeHashtag(match[1] ?? '');
    if (tag) seen.add(tag);
  }
  return [...seen];
};

/** True when any of the post's tags equals one of the campaign's tags after normalisation. */
export const matchesAnyHashtag = (postTags: readonly string[], campaignTags: ReadonlySet<string>): boolean =>
  postTags.some((t) => campaignTags.has(normalizeHashtag(t)));
