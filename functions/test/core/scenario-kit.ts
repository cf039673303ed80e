import type { PromotionHolds } from '../../src/core/mttr';
import { defaultPolicy } from '../../src/config/default-policy';
import type { Policy } from '../../src/config/policy-schema';
import type { GateStatus, RolloutState } from '../../src/core/canary';
import { evaluateTick, initialRolloutState, lookbackWindows, type RolloutEffect } from '../../src/core/tick';
import type { Channel, Evaluation, Histogram, Platform, SideCounts, WindowSample } from '../../src/core/types';

/** Helpers shared by the core tests: build windows, play them tick by tick as the scheduler does. */

export const T0 = Date.parse('2026-01-05T10:00:00Z');
export const MINUTE = 60_000;
export const HOUR = 3_600_000;

export const BOUNDS = Array.from({ length: 40 }, (_, i) => 10 * 1.1 ** i).map((b) => Math.round(b * 10) / 10);

/** A histogram of `n` values spread like a healthy service (p95 about 250 ms), slowed by `scale`. */
export function latency(n: number, scale = 1): Histogram {
  // Deterministic quantiles of a log-normal (median 120 ms, sigma 0.45): value i of n sits at
  // probability (i + 0.5) / n, so round(n * cdf(bound)) values fall below each bound.
  const below = BOUNDS.map((b) => Math.min(n, Math.max(0, Math.round(n * normalCdf(Math.log(b / (120 * scale)) / 0.45)))));
  const counts = [below[0]!, ...below.slice(1).map((c, i) => c - below[i]!), n - below[below.length - 1]!];
  return { bounds: BOUNDS, counts };
}

function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** A side with `requests` and `errors`, a latency histogram and, for apps, sessions. */
export function side(requests: number, errors: number, extra: Partial<SideCounts> & { slow?: number } = {}): SideCounts {
  const { slow, ...rest } = extra;
  return { requests, errors, latencyMs: latency(requests, slow ?? 1), ...rest };
}

export type Pair = { canary: SideCounts | null; baseline: SideCounts | null };

export function windowsOf(pairs: Pair[], windowMs = MINUTE): WindowSample[] {
  return pairs.map((p, i) => ({ start: T0 + i * windowMs, durationMs: windowMs, ...p }));
}

export interface Step {
  evaluation: Evaluation;
  effects: RolloutEffect[];
  state: RolloutState;
}

export interface PlayOptions {
  policy?: Policy;
  platform?: Platform;
  channel?: Channel;
  gates?: GateStatus;
  windowMs?: number;
  /** Keep playing after a rollback or promotion (to check what happens next). */
  untilEnd?: boolean;
  /** MTTR flags and the rollout's incidents, as the scheduled function reads them. */
  holds?: PromotionHolds;
}

/** Plays windows one tick at a time with a sliding history, as the scheduled function does. */
export function play(pairs: Pair[], o: PlayOptions = {}): Step[] {
  const policy = o.policy ?? defaultPolicy;
  const platform = o.platform ?? 'web';
  const windowMs = o.windowMs ?? MINUTE;
  const windows = windowsOf(pairs, windowMs);
  const keep = lookbackWindows(policy, windowMs);
  let state = initialRolloutState(policy, platform, o.channel ?? 'alpha', T0);
  const steps: Step[] = [];
  for (let i = 0; i < windows.length; i++) {
    const r = evaluateTick({ policy, platform, state, windows: windows.slice(Math.max(0, i - keep + 1), i + 1), gates: o.gates ?? {}, now: windows[i]!.start + windowMs, ...(o.holds ? { holds: o.holds } : {}) });
    state = r.state;
    steps.push({ evaluation: r.evaluation, effects: r.effects, state });
    const d = r.evaluation.decision;
    if (!o.untilEnd && (d === 'rollback' || d === 'promote')) break;
  }
  return steps;
}

export function decisions(steps: Step[]): string[] {
  return steps.map((s) => s.evaluation.decision);
}

export function repeat(n: number, pair: Pair | ((i: number) => Pair)): Pair[] {
  return Array.from({ length: n }, (_, i) => (typeof pair === 'function' ? pair(i) : pair));
}

export const allGates: GateStatus = {
  openP0P1Bugs: 0,
  securityScanPassed: true,
  loadTestPassed: true,
  crossPlatformValidated: true,
  guardianPassed: true,
  userFeedbackScore: 4.8,
};
