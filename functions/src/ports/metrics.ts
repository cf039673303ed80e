import type { Canary } from '../core/canary';
import type { WindowSample } from '../core/types';

export interface MetricsRange {
  /** End of the newest complete window, ms since epoch (ingestion lag already subtracted). */
  end: number;
  windowMs: number;
  /** How many windows back from `end`, oldest first in the answer. */
  windows: number;
}

/** Per canary: its windows, or why none could be read ("no data" is never a verdict). */
export type CanaryMetrics =
  | { ok: true; windows: WindowSample[] }
  | { ok: false; error: string; retryable: boolean };

/**
 * Where metrics come from: Cloud Monitoring in production, a scenario file in the local runner.
 * One call covers every active canary, so cost grows with metric templates, not with canaries.
 */
export interface MetricsSource {
  fetch(canaries: Canary[], range: MetricsRange): Promise<Map<string, CanaryMetrics>>;
}
