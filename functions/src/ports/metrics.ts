import type { Canary } from '../core/canary';
import type { MetricName, WindowSample } from '../core/types';

export interface MetricsRange {
  /** End of the newest complete window, ms since epoch (ingestion lag already subtracted). */
  end: number;
  windowMs: number;
  /** How many windows back from `end`, oldest first in the answer. */
  windows: number;
}

/** Per canary: its windows, or why none could be read ("no data" is never a verdict). */
export type CanaryMetrics =
  | {
      ok: true;
      windows: WindowSample[];
      /** The metrics the source feeds for this canary; absent means every metric the policy judges. */
      metrics?: MetricName[];
      /**
       * Every window ending at or before this time (ms) is final at the source; newer ones are
       * pending, not missing. Set by sources with long windows and a publication lag (Play vitals:
       * hourly, hours late), so an empty answer is not counted as "no data" once per tick.
       */
      completeUntil?: number;
    }
  | { ok: false; error: string; retryable: boolean };

/**
 * Where metrics come from: Cloud Monitoring in production, a scenario file in the local runner.
 * One call covers every active canary, so cost grows with metric templates, not with canaries.
 */
export interface MetricsSource {
  fetch(canaries: Canary[], range: MetricsRange): Promise<Map<string, CanaryMetrics>>;
}
