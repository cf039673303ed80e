import type { Policy } from '../config/policy-schema';
import type { Scenario } from '../config/scenario-schema';
import { quantile } from '../core/histogram';
import type { Decision, SideCounts } from '../core/types';

/**
 * The source document's rules applied literally, for comparison: each window on its own, the point
 * estimate against the threshold ("Error rate > 5%" -> rollback), no statistics, no baseline check
 * beyond the p95 ratio, missing data skipped.
 */
export function literalDecisions(scenario: Scenario, policy: Policy): Decision[] {
  const red = policy.channels[scenario.channel].red;
  const out: Decision[] = [];
  for (const w of scenario.windows) {
    const c: SideCounts | null | undefined = w.canary;
    const b = w.baseline;
    let rollback = false;
    if (c && c.requests > 0) {
      if (c.errors / c.requests > red.errorRate) rollback = true;
      if (scenario.platform !== 'web' && c.sessions && (c.crashes ?? 0) / c.sessions > red.crashRate) rollback = true;
      const cp = c.latencyMs ? quantile(c.latencyMs, 0.95) : null;
      const bp = b?.latencyMs ? quantile(b.latencyMs, 0.95) : null;
      if (cp !== null && bp !== null && cp > bp * (1 + red.p95LatencyIncrease)) rollback = true;
    }
    out.push(rollback ? 'rollback' : 'continue');
    if (rollback) break;
  }
  return out;
}
