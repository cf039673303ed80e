import type { Policy } from '../../config/policy-schema';
import type { RolloutState } from '../../core/canary';
import type { MetricName, Platform, WindowSample } from '../../core/types';
import type { CanaryMetrics } from '../../ports';

/**
 * The policy as it applies to what the source can feed: a metric no configured source reports for
 * this canary (p95 latency from Play vitals) is left out of the verdict instead of keeping it
 * inconclusive forever (which would block every promotion). Null when nothing judged is fed.
 */
export function policyForSource(policy: Policy, platform: Platform, fed: readonly MetricName[] | undefined): Policy | null {
  if (!fed) return policy;
  const judged = policy.platformMetrics[platform].filter((m) => fed.includes(m));
  if (judged.length === 0) return null;
  return { ...policy, platformMetrics: { ...policy.platformMetrics, [platform]: judged } };
}

/**
 * The time a tick without windows is counted at. A source with long windows published late (Play
 * vitals: an hour, hours after it ended) states how far it is complete; with nothing complete
 * since the canary started, the data is pending, not missing, and nothing is counted. After that,
 * an empty answer counts as "no data" once per complete source window, not once per tick: no-data
 * streaks run in the source's time.
 */
export function noDataClock(
  metrics: CanaryMetrics | undefined,
  windows: readonly WindowSample[],
  createdAt: number,
  state: RolloutState,
  now: number,
): { now: number; state: RolloutState } {
  if (!metrics?.ok || windows.length > 0 || metrics.completeUntil === undefined) return { now, state };
  const at = metrics.completeUntil;
  return { now: at, state: at <= createdAt ? { ...state, lastNoDataTickAt: at } : state };
}
