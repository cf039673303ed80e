import { releaseLabelValue, type MetricTemplate, type Signal } from '../../config/metric-templates';
import type { Canary } from '../../core/canary';
import type { Histogram, SideCounts, WindowSample } from '../../core/types';
import type { MetricsRange } from '../../ports/metrics';
import { countOf, histogramOf, labelOf, mergeHistogram, timestampMs, type RawSeries } from './series';

interface SideAcc {
  seen: boolean;
  counts: Partial<Record<Exclude<Signal, 'latencyMs'>, number>>;
  latencyMs?: Histogram;
}

type Acc = { canary: SideAcc; baseline: SideAcc }[];

/** Series of one template indexed by their release label value. */
export class SeriesIndex {
  private readonly byValue = new Map<string, RawSeries[]>();

  constructor(
    readonly template: MetricTemplate,
    series: RawSeries[],
  ) {
    for (const s of series) {
      const value = labelOf(s, template.release.label);
      if (value === undefined) continue;
      const list = this.byValue.get(value) ?? [];
      list.push(s);
      this.byValue.set(value, list);
    }
  }

  /** The series of a release (its label value, or for `suffix` every value ending with it). */
  seriesOf(release: string): RawSeries[] {
    const key = releaseLabelValue(this.template, release);
    if (this.template.release.match === 'exact') return this.byValue.get(key) ?? [];
    const out: RawSeries[] = [];
    for (const [value, list] of this.byValue) if (value.endsWith(key)) out.push(...list);
    return out;
  }
}

function emptyAcc(windows: number): Acc {
  return Array.from({ length: windows }, () => ({
    canary: { seen: false, counts: {} },
    baseline: { seen: false, counts: {} },
  }));
}

/** Index of the window a point belongs to, by its end time; -1 outside the range. */
function windowIndex(endMs: number, range: MetricsRange): number {
  const start = range.end - range.windows * range.windowMs;
  const i = Math.round((endMs - start) / range.windowMs) - 1;
  return i >= 0 && i < range.windows ? i : -1;
}

function addSeries(acc: Acc, side: 'canary' | 'baseline', template: MetricTemplate, series: RawSeries, range: MetricsRange): void {
  const outputs = template.outputs.filter((o) => !o.where || o.where.in.includes(labelOf(series, o.where.label) ?? ''));
  for (const point of series.points ?? []) {
    const end = timestampMs(point.interval?.endTime);
    if (end === null) continue;
    const i = windowIndex(end, range);
    if (i < 0) continue;
    const target = acc[i][side];
    const isDistribution = !!point.value?.distributionValue;
    const count = isDistribution ? null : countOf(point);
    const histogram = isDistribution ? histogramOf(point, template.latencyScale) : null;
    // An invalid value (NaN, negative, a broken bucket layout) is dropped, never counted as zero.
    if (count === null && histogram === null) continue;
    // A series that exists in this window is evidence that the side reported, even if none of the
    // template's outputs matched it (e.g. only 2xx arrived): errors are then really zero (S4).
    target.seen = true;
    for (const output of outputs) {
      if (output.signal === 'latencyMs') {
        if (histogram) target.latencyMs = mergeHistogram(target.latencyMs, histogram);
      } else if (count !== null) {
        target.counts[output.signal] = (target.counts[output.signal] ?? 0) + count;
      } else if (histogram) {
        // A distribution feeding a count signal contributes its number of samples.
        target.counts[output.signal] = (target.counts[output.signal] ?? 0) + histogram.counts.reduce((a, b) => a + b, 0);
      }
    }
  }
}

function toSide(acc: SideAcc): SideCounts | null {
  if (!acc.seen) return null;
  const c = acc.counts;
  return {
    requests: c.requests ?? 0,
    errors: c.errors ?? 0,
    // Never more than requests - errors: a 4xx counted twice by overlapping series stays a valid count.
    ...(c.clientErrors !== undefined ? { clientErrors: Math.min(c.clientErrors, Math.max(0, (c.requests ?? 0) - (c.errors ?? 0))) } : {}),
    ...(c.successes !== undefined ? { successes: c.successes } : {}),
    ...(c.sessions !== undefined ? { sessions: c.sessions } : {}),
    ...(c.crashes !== undefined ? { crashes: c.crashes } : {}),
    ...(acc.latencyMs ? { latencyMs: acc.latencyMs } : {}),
  };
}

/**
 * One canary's windows, oldest first, from the already-fetched series of its platform's templates.
 * Canary side = series of its release; baseline = series of the previous release. A side with no
 * point in a window is null (no data), not zero traffic.
 */
export function assembleWindows(canary: Canary, indexes: SeriesIndex[], range: MetricsRange): WindowSample[] {
  const acc = emptyAcc(range.windows);
  for (const index of indexes) {
    for (const s of index.seriesOf(canary.release)) addSeries(acc, 'canary', index.template, s, range);
    if (canary.previousRelease) {
      for (const s of index.seriesOf(canary.previousRelease)) addSeries(acc, 'baseline', index.template, s, range);
    }
  }
  const start = range.end - range.windows * range.windowMs;
  return acc.map((w, i) => ({
    start: start + i * range.windowMs,
    durationMs: range.windowMs,
    canary: toSide(w.canary),
    baseline: toSide(w.baseline),
  }));
}
