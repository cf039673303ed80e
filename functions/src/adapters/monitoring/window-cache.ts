import type { Canary } from '../../core/canary';
import type { WindowSample } from '../../core/types';
import type { MetricsRange } from '../../ports/metrics';

interface Entry {
  /** What the cached windows were read for; a changed release or window length starts afresh. */
  key: string;
  windows: Map<number, WindowSample>;
}

const keyOf = (c: Canary, windowMs: number) => `${c.platform}|${c.release}|${c.previousRelease ?? ''}|${windowMs}`;

/**
 * Windows already read on a warm instance, per canary. Every tick needs the whole lookback (30
 * one-minute windows) but only its newest window is new: re-reading all of them would cost 30x
 * the bytes for the same answer. The newest `refetch` windows are always read again so that
 * points Monitoring ingested late replace what an earlier tick saw. A cold instance reads all.
 */
export class WindowCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly refetch: number) {}

  /** The start of the oldest window any of `canaries` still needs (range.end when none). */
  oldestNeeded(canaries: Canary[], range: MetricsRange): number {
    const first = range.end - range.windows * range.windowMs;
    const always = range.end - Math.min(range.windows, this.refetch) * range.windowMs;
    let oldest = always;
    for (const c of canaries) {
      const entry = this.entries.get(c.id);
      const cached = entry?.key === keyOf(c, range.windowMs) ? entry.windows : undefined;
      for (let s = first; s < oldest; s += range.windowMs) {
        if (!cached?.has(s)) {
          oldest = s;
          break;
        }
      }
      if (oldest === first) break;
    }
    return oldest;
  }

  /** Stores freshly read windows and returns the canary's full range, oldest first. */
  merge(canary: Canary, fresh: WindowSample[], range: MetricsRange): WindowSample[] {
    const key = keyOf(canary, range.windowMs);
    let entry = this.entries.get(canary.id);
    if (!entry || entry.key !== key) {
      entry = { key, windows: new Map() };
      this.entries.set(canary.id, entry);
    }
    for (const w of fresh) entry.windows.set(w.start, w);
    const first = range.end - range.windows * range.windowMs;
    const out: WindowSample[] = [];
    for (const [start] of entry.windows) if (start < first || start >= range.end) entry.windows.delete(start);
    for (let s = first; s < range.end; s += range.windowMs) {
      out.push(entry.windows.get(s) ?? { start: s, durationMs: range.windowMs, canary: null, baseline: null });
    }
    return out;
  }

  /** Forgets canaries no longer evaluated, so the cache is bounded by the active set. */
  retain(ids: Set<string>): void {
    for (const id of this.entries.keys()) if (!ids.has(id)) this.entries.delete(id);
  }
}
