/**
 * Short, single-line JSON-like text of any value, for error messages and reject records: a platform's error
 * body, an observation that failed validation. It never throws, whatever the value (deep, cyclic, huge).
 */

const SUMMARY_MAX_LENGTH = 300;
const SUMMARY_MAX_DEPTH = 8;

/** Appends JSON-like text of `value` to `out` until it holds `limit` characters; deeper levels become `…`. */
const appendSummary = (
  out: string[],
  length: { n: number },
  value: unknown,
  depth: number,
  limit: number,
) => {
  const push = (s: string) => {
    out.push(s);
    length.n += s.length;
  };
  if (length.n >= limit) return;
  if (value === null || typeof value !== 'object') {
    const text = typeof value === 'string' ? JSON.stringify(value.slice(0, limit)) : String(value);
    push(text);
    return;
  }
  if (depth >= SUMMARY_MAX_DEPTH) {
    push(Array.isArray(value) ? '[…]' : '{…}');
    return;
  }
  const isArray = Array.isArray(value);
  const keys = Object.keys(value);
  push(isArray ? '[' : '{');
  for (let i = 0; i < keys.length && length.n < limit; i++) {
    const key = keys[i] as string;
    if (i > 0) push(',');
    if (!isArray) push(`${JSON.stringify(key.slice(0, limit))}:`);
    appendSummary(out, length, (value as Record<string, unknown>)[key], depth + 1, limit);
  }
  push(isArray ? ']' : '}');
};

/**
 * At most `maxLength` characters and a few levels of nesting of `body` (or of `text` when there is no parsed
 * body).
 */
export const summariseBody = (body: unknown, text: string, maxLength = SUMMARY_MAX_LENGTH): string => {
  let raw: string;
  try {
    if (body === undefined) raw = text.slice(0, maxLength + 1);
    else {
      const out: string[] = [];
      appendSummary(out, { n: 0 }, body, 0, maxLength + 1);
      raw = out.join('');
    }
  } catch {
    raw = '(unreadable body)';
  }
  return raw.length > maxLength ? `${raw.slice(0, maxLength)}...` : raw;
};
