import { createHash, randomBytes } from 'node:crypto';
import type { Clock, IngestKey, IngestKeyStore } from '../../ports';

const KEY_FORMAT = /^cgt_[A-Za-z0-9_-]{32}$/;

/** A new publishable key and the id it is stored under (the key itself is shown once, never stored). */
export function newIngestKey(): { key: string; id: string } {
  const key = `cgt_${randomBytes(24).toString('base64url')}`;
  return { key, id: ingestKeyId(key) };
}

/** The stored id of a key: 32 hex digits of sha256. */
export function ingestKeyId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}

export function isIngestKeyFormat(key: string): boolean {
  return KEY_FORMAT.test(key);
}

/** How long an instance trusts what it read of a key: a revocation reaches every instance within this. */
export const KEY_CACHE_MS = 30_000;
const MAX_CACHED = 10_000;

/**
 * Looks keys up with a per-instance cache (unknown keys included, so a flood of made-up keys costs
 * one read per key per 30 s). Returns the key, or null when unknown or revoked. A failed read
 * throws (the caller answers 503): an outage is not an unknown key. The cache is keyed by the key
 * as presented, so a report of a known key costs one map lookup, no format check and no hash;
 * each entry still ages out `ttlMs` after its read, so a revocation reaches every instance within
 * `ttlMs` (30 s) as before.
 */
export function createKeyLookup(store: IngestKeyStore, clock: Clock, ttlMs = KEY_CACHE_MS): (key: string) => Promise<IngestKey | null> {
  const cache = new Map<string, { at: number; key: Promise<IngestKey | null> }>();
  return (key) => {
    const now = clock.now();
    const hit = cache.get(key);
    if (hit && now - hit.at < ttlMs) return hit.key;
    if (!isIngestKeyFormat(key)) return Promise.resolve(null);
    const loading = store.get(ingestKeyId(key)).then((read) => (read?.ok && !read.key.revoked ? read.key : null));
    cache.delete(key);
    cache.set(key, { at: now, key: loading });
    if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
    loading.catch(() => cache.delete(key));
    return loading;
  };
}
