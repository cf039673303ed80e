/**
 * The audit trail's wording, as in the source document: "Error rate 8% (threshold 5%)".
 */

/** 0.08 -> "8%", 0.0062 -> "0.62%", 0.12345 -> "12.3%". */
export function percent(rate: number): string {
  const x = rate * 100;
  const digits = x >= 10 ? 1 : x >= 1 ? 2 : 3;
  return `${Number(x.toFixed(digits))}%`;
}

/** 0.5 -> "+50%", -0.1 -> "-10%". */
export function signedPercent(rel: number): string {
  const x = Number((rel * 100).toFixed(rel * 100 >= 10 || rel * 100 <= -10 ? 0 : 1));
  return `${x >= 0 ? '+' : ''}${x}%`;
}

export function rateReason(label: string, value: number | null, threshold: number): string {
  return `${label} ${value === null ? 'unknown' : percent(value)} (threshold ${percent(threshold)})`;
}

export function latencyReason(canary: number | null, baseline: number | null, increase: number): string {
  if (canary === null || baseline === null || baseline <= 0) return `P95 latency above baseline (threshold ${signedPercent(increase)})`;
  return `P95 latency ${signedPercent(canary / baseline - 1)} (${Math.round(canary)} ms vs ${Math.round(baseline)} ms; threshold ${signedPercent(increase)})`;
}

export function sharedReason(label: string, canary: number | null, baseline: number | null, threshold: number): string {
  const c = canary === null ? 'unknown' : percent(canary);
  const b = baseline === null ? 'unknown' : percent(baseline);
  return `Shared incident: ${label.toLowerCase()} ${c} on the canary, ${b} on the baseline (threshold ${percent(threshold)}); the canary is not significantly worse, so not blamed on this release`;
}

/**
 * The SLA test counts requests at or above the limit, not the pooled p95 (which can sit below the
 * limit while the newest windows' tail is above it): say what was shown, then the p95 for scale.
 */
export function slaReason(q: number, limitMs: number, newest: { n: number; k: number } | null, canary: number | null, baseline: number | null, minutes: number): string {
  const ms = (v: number | null): string => (v === null ? 'unknown' : `${Math.round(v)} ms`);
  const shown = newest && newest.n > 0 ? `${percent(newest.k / newest.n)} of the newest window's requests at or above it` : 'requests at or above it since the onset';
  return `P${q} latency above the ${limitMs} ms SLA: ${shown}, where at most ${100 - q}% may be (p${q} over ${minutes} min ${ms(canary)}, baseline ${ms(baseline)})`;
}
