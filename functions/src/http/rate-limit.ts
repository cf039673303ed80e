/** A per-caller token bucket: `capacity` requests at once, refilled at `refillPerSecond`. */
export interface RateLimitOptions {
  capacity: number;
  refillPerSecond: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { capacity: 60, refillPerSecond: 1 };

const MAX_TRACKED = 10_000;

/**
 * Per instance, in memory: it bounds what one caller can make a single instance do (and write to
 * the audit trail); instances do not share budgets. Returns 0 when allowed, else seconds to wait.
 */
export function createRateLimiter(options: RateLimitOptions, now: () => number = Date.now): (key: string) => number {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return (key) => {
    const t = now();
    const bucket = buckets.get(key) ?? { tokens: options.capacity, at: t };
    bucket.tokens = Math.min(options.capacity, bucket.tokens + ((t - bucket.at) / 1000) * options.refillPerSecond);
    bucket.at = t;
    buckets.delete(key);
    buckets.set(key, bucket); // re-insert: the Map's order is least recently used first
    if (buckets.size > MAX_TRACKED) buckets.delete(buckets.keys().next().value as string);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / options.refillPerSecond));
  };
}
