import type { Histogram } from './types';

/**
 * The standard latency buckets of shared/spec/telemetry-format.md: bucket i (0..90) holds
 * latencies in [10 × 1.1^(i-1), 10 × 1.1^i) ms, bucket 0 everything below 10 ms, bucket 90
 * everything at or above 10 × 1.1^89 ms. Every client uses them, so histograms add bucket by bucket.
 */
export const LATENCY_BUCKET_COUNT = 91;

/** The 90 edges between the 91 buckets, in the core's Histogram layout (counts[0] < bounds[0] <= counts[1] ...). */
export const STANDARD_LATENCY_BOUNDS: readonly number[] = Array.from({ length: LATENCY_BUCKET_COUNT - 1 }, (_, i) => 10 * 1.1 ** i);

/** A dense array of the 91 bucket counts as a core Histogram (null when it holds nothing). */
export function standardHistogram(counts: readonly number[]): Histogram | null {
  if (counts.length !== LATENCY_BUCKET_COUNT || !counts.some((c) => c > 0)) return null;
  return { bounds: [...STANDARD_LATENCY_BOUNDS], counts: [...counts] };
}

/** The bucket a latency in ms falls into (what a client does before reporting). */
export function latencyBucket(ms: number): number {
  if (!(ms >= 10)) return 0;
  const i = Math.floor(Math.log(ms / 10) / Math.log(1.1)) + 1;
  // Floating point can land one bucket off at an exact edge; settle it against the edges themselves.
  const fixed = ms < STANDARD_LATENCY_BOUNDS[i - 1]! ? i - 1 : i < LATENCY_BUCKET_COUNT - 1 && ms >= STANDARD_LATENCY_BOUNDS[i]! ? i + 1 : i;
  return Math.min(LATENCY_BUCKET_COUNT - 1, fixed);
}
