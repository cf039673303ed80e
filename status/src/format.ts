/** Words and numbers as the page shows them; times in the viewer's zone, rates in percent. */

export function time(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return new Date(ms).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export const METRIC_LABELS: Record<string, string> = {
  error_rate: 'Error rate',
  success_rate: 'Success rate',
  crash_rate: 'Crash rate',
  p95_latency: 'p95 latency',
};

export function isRate(metric: string): boolean {
  return metric !== 'p95_latency';
}

/** A metric's value as shown: rates in %, latency in ms. */
export function value(metric: string, v: number | null | undefined): string {
  if (v === null || v === undefined) return 'no data';
  return isRate(metric) ? `${Number((v * 100).toPrecision(3))} %` : `${Math.round(v)} ms`;
}

/** A status as words first (readable without colour), e.g. "rolled back". */
export function statusText(status: string): string {
  return status.replace(/_/g, ' ');
}

/** The colour family of a state or verdict; the text beside it always says the same. */
export function tone(status: string): 'good' | 'warn' | 'bad' | 'idle' {
  switch (status) {
    case 'green':
    case 'running':
    case 'completed':
    case 'promote':
    case 'continue':
      return 'good';
    case 'yellow':
    case 'paused':
    case 'promoting':
    case 'pause':
      return 'warn';
    case 'red':
    case 'rollback_requested':
    case 'rolling_back':
    case 'rolled_back':
    case 'rollback_failed':
    case 'invalid':
    case 'rollback':
      return 'bad';
    default:
      return 'idle';
  }
}
