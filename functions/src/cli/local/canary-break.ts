import type { Scenario } from '../../config/scenario-schema';
import type { SideCounts } from '../../core/types';

/** Errors over requests of one side of the scenario, pooled over the windows where the side has data. */
export function scenarioRate(s: Scenario, side: 'canary' | 'baseline', pick: 'pooled' | 'worst'): number {
  let errors = 0;
  let requests = 0;
  let worst = 0;
  for (const w of s.windows) {
    const c = w[side];
    if (!c || c.requests === 0) continue;
    errors += c.errors;
    requests += c.requests;
    worst = Math.max(worst, c.errors / c.requests);
  }
  return pick === 'worst' ? worst : requests === 0 ? 0 : errors / requests;
}

/**
 * "Break the canary" on /demo/: a fault of the canary release itself, so every install of it sees
 * it, the demo page and the simulated installs on the canary alike. One page alone cannot roll a
 * canary back that twenty other installs report healthy (the ingest bounds one install's minute
 * and the reader counts erroring installs, on purpose: docs/telemetry.md); a regression of the
 * release reaches all its users, and that is what the button stands for.
 */
export interface CanaryBreak {
  /** The rate the canary's requests fail at once broken: the scenario's worst canary window. */
  readonly failRate: number;
  /** The previous release's pooled rate: the canary's requests fail at it until broken. */
  readonly baseRate: number;
  /** The canary's simulated installs stay healthy until the break (--wait-for-break). */
  readonly waitForBreak: boolean;
  broken(): boolean;
  /** Breaks the canary; true the first time only. */
  breakNow(): boolean;
}

export function createCanaryBreak(scenario: Scenario, waitForBreak: boolean, onBreak?: () => void): CanaryBreak {
  let broken = false;
  return {
    failRate: scenarioRate(scenario, 'canary', 'worst'),
    baseRate: scenarioRate(scenario, 'baseline', 'pooled'),
    waitForBreak,
    broken: () => broken,
    breakNow() {
      if (broken) return false;
      broken = true;
      onBreak?.();
      return true;
    },
  };
}

/** A side of one minute with its errors raised to `failRate` of its requests (never lowered). */
export function brokenSide(side: SideCounts, failRate: number): SideCounts {
  const errors = Math.min(side.requests, Math.max(side.errors, Math.round(side.requests * failRate)));
  const out: SideCounts = { ...side, errors };
  if (side.successes !== undefined) out.successes = Math.min(side.successes, side.requests - errors);
  if (side.clientErrors !== undefined) out.clientErrors = Math.min(side.clientErrors, side.requests - errors);
  return out;
}
