/**
 * Memoises promises by key for `ttlMs`, bounded to `maxEntries` (oldest evicted first). A rejected
 * promise is forgotten at once, so an error is never served from the cache. Concurrent callers of
 * one key share one request (matrix builds gate the same release for several platforms at once).
 * Only for reads no new event can change within the TTL (see guardian-facts.ts).
 */
export function createTtlCache(ttlMs: number, maxEntries = 500, now: () => number = Date.now) {
  const entries = new Map<string, { at: number; value: Promise<unknown> }>();
  return function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (ttlMs <= 0) return load();
    const t = now();
    const hit = entries.get(key);
    if (hit && t - hit.at < ttlMs) return hit.value as Promise<T>;
    const value = load();
    entries.delete(key);
    entries.set(key, { at: t, value });
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    value.catch(() => {
      if (entries.get(key)?.value === value) entries.delete(key);
    });
    return value;
  };
}

