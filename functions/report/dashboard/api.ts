/** The dashboard's only way to the server: relative URLs, so the page works wherever the API is mounted. */

class ApiFailure extends Error {}

export const urlFor = (path: string, params: Record<string, string | undefined>): string => {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) search.set(k, v);
  const query = search.toString();
  return query ? `${path}?${query}` : path;
};

export const fetchJson = async <T>(
  path: string,
  params: Record<string, string | undefined> = {},
): Promise<T> => {
  const res = await fetch(urlFor(path, params), { headers: { Accept: 'application/json' } });
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const error = (body as { error?: { message?: string } } | undefined)?.error;
    throw new ApiFailure(error?.message ?? `The server answered ${res.status}`);
  }
  return body as T;
};
