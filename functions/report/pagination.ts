import { encodePageToken, type PageBinding, parseLimit, parsePageToken, type QueryParams } from './params';

/** One page of a ranking: `next` is the token for the following page, null on the last. */
export interface Page<T> {
  items: T[];
  total: number;
  next: string | null;
}

/** Reads `limit`, then `next` (a token bound to the ranking it was issued for), from the query. */
export const pageRequest = (params: QueryParams, binding: PageBinding) => {
  const limit = parseLimit(params);
  const offset = parsePageToken(params, binding);
  return { offset, limit, binding };
};

export const pageOf = <T>(
  ranked: readonly T[],
  { offset, limit, binding }: ReturnType<typeof pageRequest>,
): Page<T> => ({
  items: ranked.slice(offset, offset + limit),
  total: ranked.length,
  next: offset + limit < ranked.length ? encodePageToken(offset + limit, binding) : null,
});
