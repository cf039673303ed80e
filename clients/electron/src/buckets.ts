/** Buckets of shared/spec/telemetry-format.md: 0..90, bucket i holds [10 × 1.1^(i-1), 10 × 1.1^i) ms. */
export const BUCKET_COUNT = 91;

const EDGES: readonly number[] = Array.from({ length: BUCKET_COUNT - 1 }, (_, i) => 10 * 1.1 ** i);

/** The standard bucket of a latency in ms (below 10 ms: 0; about 48 s and over: 90). */
export function latencyBucket(ms: number): number {
  if (!(ms >= 10)) return 0;
  let i = Math.min(BUCKET_COUNT - 1, Math.floor(Math.log(ms / 10) / Math.log(1.1)) + 1);
  // The logarithm can land one bucket off at an exact edge: settle it against the edges themselves.
  if (ms < EDGES[i - 1]!) i -= 1;
  else if (i < BUCKET_COUNT - 1 && ms >= EDGES[i]!) i += 1;
  return i;
}
