import type { Histogram } from '../../core/types';

/**
 * The parts of a Monitoring TimeSeries this adapter reads, typed loosely on purpose: the REST
 * fallback and gRPC transports decode int64 as strings, timestamps as {seconds: string} and may
 * leave any field null. Nothing here crosses the port.
 */
export interface RawPoint {
  interval?: { startTime?: RawTimestamp | null; endTime?: RawTimestamp | null } | null;
  value?: {
    int64Value?: string | number | null;
    doubleValue?: number | null;
    distributionValue?: RawDistribution | null;
  } | null;
}
export interface RawTimestamp {
  seconds?: string | number | null;
  nanos?: number | null;
}
export interface RawDistribution {
  count?: string | number | null;
  bucketCounts?: (string | number)[] | null;
  bucketOptions?: {
    explicitBuckets?: { bounds?: number[] | null } | null;
    exponentialBuckets?: { numFiniteBuckets?: number | null; growthFactor?: number | null; scale?: number | null } | null;
    linearBuckets?: { numFiniteBuckets?: number | null; width?: number | null; offset?: number | null } | null;
  } | null;
}
export interface RawSeries {
  metric?: { labels?: Record<string, string> | null } | null;
  resource?: { labels?: Record<string, string> | null } | null;
  metadata?: { userLabels?: Record<string, string> | null; systemLabels?: unknown } | null;
  points?: RawPoint[] | null;
}

/** A label of a series by its Monitoring path (metric.labels.X, resource.labels.X, metadata.user_labels.X). */
export function labelOf(series: RawSeries, path: string): string | undefined {
  const [scope, kind, ...rest] = path.split('.');
  const key = rest.join('.');
  if (scope === 'metric' && kind === 'labels') return series.metric?.labels?.[key] ?? undefined;
  if (scope === 'resource' && kind === 'labels') return series.resource?.labels?.[key] ?? undefined;
  if (scope === 'metadata' && kind === 'user_labels') return series.metadata?.userLabels?.[key] ?? undefined;
  if (scope === 'metadata' && kind === 'system_labels') {
    // system labels arrive as a protobuf Struct: { fields: { key: { stringValue } } }
    const struct = series.metadata?.systemLabels as { fields?: Record<string, { stringValue?: string }> } | undefined;
    return struct?.fields?.[key]?.stringValue ?? undefined;
  }
  return undefined;
}

/** ms since epoch; null for a missing or malformed timestamp. */
export function timestampMs(ts: RawTimestamp | string | null | undefined): number | null {
  if (ts === null || ts === undefined) return null;
  if (typeof ts === 'string') {
    const ms = Date.parse(ts);
    return Number.isFinite(ms) ? ms : null;
  }
  const seconds = Number(ts.seconds ?? 0);
  const ms = seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
  return Number.isFinite(ms) ? ms : null;
}

/** A count from an int64 (string) or double point; null when absent, negative or not finite. */
export function countOf(point: RawPoint): number | null {
  const v = point.value;
  if (!v) return null;
  const raw = v.int64Value !== undefined && v.int64Value !== null ? Number(v.int64Value) : v.doubleValue;
  if (raw === undefined || raw === null || !Number.isFinite(raw) || raw < 0) return null;
  return Math.round(raw);
}

/** Cap on generated bounds: a misconfigured exponential layout must not allocate without limit. */
const MAX_BUCKETS = 4096;

/**
 * The explicit bounds of a distribution's bucket layout. Exponential: bounds scale * growth^i and
 * linear: offset + width * i, for i = 0..numFiniteBuckets (googleapis google/api/distribution.proto).
 */
export function boundsOf(options: RawDistribution['bucketOptions']): number[] | null {
  if (!options) return null;
  if (options.exponentialBuckets || options.linearBuckets) {
    // Every point of a series repeats the same layout: compute its bounds once.
    const key = JSON.stringify(options.exponentialBuckets ?? options.linearBuckets) + (options.exponentialBuckets ? 'e' : 'l');
    let bounds = layoutBounds.get(key);
    if (bounds === undefined) {
      bounds = generatedBounds(options);
      if (layoutBounds.size > 1000) layoutBounds.clear();
      layoutBounds.set(key, bounds);
    }
    return bounds;
  }
  if (options.explicitBuckets) return [...(options.explicitBuckets.bounds ?? [])];
  return null;
}

const layoutBounds = new Map<string, number[] | null>();

function generatedBounds(options: NonNullable<RawDistribution['bucketOptions']>): number[] | null {
  if (options.exponentialBuckets) {
    const { numFiniteBuckets: n, growthFactor: g, scale: s } = options.exponentialBuckets;
    if (!n || n > MAX_BUCKETS || !g || g <= 1 || !s || s <= 0) return null;
    return Array.from({ length: n + 1 }, (_, i) => s * g ** i);
  }
  if (options.linearBuckets) {
    const { numFiniteBuckets: n, width: w, offset } = options.linearBuckets;
    if (!n || n > MAX_BUCKETS || !w || w <= 0) return null;
    return Array.from({ length: n + 1 }, (_, i) => (offset ?? 0) + w * i);
  }
  return null;
}

/**
 * A distribution point as an explicit-bucket histogram in milliseconds. bucketCounts may omit
 * trailing zero buckets (the API allows it), so they are padded. null when the shape is invalid.
 */
export function histogramOf(point: RawPoint, scale: number): Histogram | null {
  const d = point.value?.distributionValue;
  if (!d) return null;
  const bounds = boundsOf(d.bucketOptions);
  if (!bounds || bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= bounds[i - 1]))) return null;
  const raw = (d.bucketCounts ?? []).map(Number);
  if (raw.length > bounds.length + 1 || raw.some((c) => !Number.isFinite(c) || c < 0)) return null;
  const counts = Array.from({ length: bounds.length + 1 }, (_, i) => raw[i] ?? 0);
  if (raw.length === 0 && Number(d.count ?? 0) > 0) return null; // a count with no buckets cannot give a percentile
  // Layouts are shared between points (never mutated downstream); only a unit change copies them.
  return { bounds: scale === 1 ? bounds : bounds.map((b) => b * scale), counts };
}

/**
 * Adds `b` into `a`. Same layout: bucket by bucket. Different layouts (two services with their own
 * buckets): each of b's buckets goes to a's bucket holding b's lower edge, which never moves a
 * count up, so a merge can never invent a latency regression.
 */
export function mergeHistogram(a: Histogram | undefined, b: Histogram): Histogram {
  if (!a) return { bounds: [...b.bounds], counts: [...b.counts] };
  const counts = [...a.counts];
  const same = a.bounds.length === b.bounds.length && a.bounds.every((x, i) => x === b.bounds[i]);
  b.counts.forEach((c, i) => {
    if (c === 0) return;
    if (same) {
      counts[i] += c;
      return;
    }
    const lower = i === 0 ? -Infinity : b.bounds[i - 1];
    let target = 0;
    while (target < a.bounds.length && a.bounds[target] <= lower) target++;
    counts[target] += c;
  });
  return { bounds: a.bounds, counts };
}
