/**
 * Bounded reading of platform response bodies. A platform (or a federated Mastodon instance) may answer with a
 * body of any size and any nesting: the body is read up to a byte cap, its nesting is measured before
 * `JSON.parse`; the text put into error messages comes from shared/json-summary.ts.
 */

/** Largest response body read (decoded bytes); pages of every supported API stay far below. */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Deepest JSON nesting accepted; documented responses nest fewer than ten levels. */
export const DEFAULT_MAX_JSON_DEPTH = 64;

export type BodyText = { text: string; tooLarge: false } | { text: undefined; tooLarge: true };

const TOO_LARGE = { text: undefined, tooLarge: true } as const;

const declaredLength = (response: Response): number | undefined => {
  const value = response.headers.get('content-length');
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value);
};

/**
 * The body as text, or `tooLarge` as soon as it passes `maxBytes` (by its Content-Length or while streaming);
 * the rest of an oversized body is cancelled, never buffered.
 */
export const readBoundedText = async (response: Response, maxBytes: number): Promise<BodyText> => {
  const declared = declaredLength(response);
  if (declared !== undefined && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    return TOO_LARGE;
  }
  if (!response.body) return { text: '', tooLarge: false };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parts: string[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return TOO_LARGE;
    }
    parts.push(decoder.decode(value, { stream: true }));
  }
  parts.push(decoder.decode());
  return { text: parts.join(''), tooLarge: false };
};

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * True when the JSON text nests objects and arrays deeper than `maxDepth`. One pass over the text, skipping
 * string contents, so it runs before `JSON.parse` and costs no recursion.
 */
export const jsonNestsDeeperThan = (text: string, maxDepth: number): boolean => {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
      if (depth > maxDepth) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return false;
};
