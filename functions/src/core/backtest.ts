import type { Policy } from '../config/policy-schema';
import type { GateStatus, RolloutState } from './canary';
import { stagesFor } from './stages';
import { evaluateTick, initialRolloutState, lookbackWindows } from './tick';
import type { Channel, Platform, RolloutStep, WindowSample } from './types';

/**
 * The backtest's pure part: one canary's stored windows replayed through evaluateTick under a
 * policy, and two such replays compared decision by decision. The honest form of "learning" a
 * policy: an operator sees what a candidate would have done on their own history before adopting it.
 */

export const BACKTEST_KINDS = ['rollback', 'pause', 'promote'] as const;
export type BacktestKind = (typeof BACKTEST_KINDS)[number];

/** A decision the replay made: at which window (index into the canary's windows) and why. */
export interface BacktestDecision {
  kind: BacktestKind;
  window: number;
  /** End of that window, ms. */
  at: number;
  reasons: string[];
  /** Where a promotion went. */
  to?: RolloutStep;
}

/** A canary's history as the replay takes it: consecutive windows, oldest first, gaps as null sides. */
export interface BacktestHistory {
  platform: Platform;
  /** Position at the first window. */
  channel: Channel;
  stageIndex: number;
  gates: GateStatus;
  windows: WindowSample[];
}

export interface PolicyReplay {
  decisions: BacktestDecision[];
  /** Windows replayed: all of them, or up to the rollback or the rollout's completion. */
  windowsReplayed: number;
  /** Set when the rollout completed (its last stage baked) at that window. */
  completedAt?: number;
}

function startState(policy: Policy, h: BacktestHistory): RolloutState {
  const s = initialRolloutState(policy, h.platform, h.channel, h.windows[0]?.start ?? 0);
  const stages = stagesFor(policy, h.platform, h.channel);
  const index = Math.min(Math.max(0, h.stageIndex), stages.length - 1);
  return { ...s, stageIndex: index, rolloutPercent: stages[index]!.percent };
}

/**
 * Replays the windows one per tick, as the scheduler judged them (the lookback as history). A
 * rollback or a completion ends the replay, as it ended the canary; a promotion does not: the
 * canary went on being measured, and so does the replay, on its new stage.
 */
export function replayHistory(policy: Policy, h: BacktestHistory): PolicyReplay {
  const keep = lookbackWindows(policy, h.windows[0]?.durationMs ?? 60_000);
  let state = startState(policy, h);
  const decisions: BacktestDecision[] = [];
  for (let i = 0; i < h.windows.length; i++) {
    const w = h.windows[i]!;
    const at = w.start + w.durationMs;
    const r = evaluateTick({ policy, platform: h.platform, state, windows: h.windows.slice(Math.max(0, i - keep + 1), i + 1), gates: h.gates, now: at });
    state = r.state;
    for (const e of r.effects) {
      if (e.kind === 'rollback' || e.kind === 'pause') decisions.push({ kind: e.kind, window: i, at, reasons: e.reasons });
      else if (e.kind === 'promote') decisions.push({ kind: 'promote', window: i, at, reasons: r.evaluation.reasons, to: e.to });
      else if (e.kind === 'complete') return { decisions, windowsReplayed: i + 1, completedAt: i };
    }
    if (r.effects.some((e) => e.kind === 'rollback')) return { decisions, windowsReplayed: i + 1 };
  }
  return { decisions, windowsReplayed: h.windows.length };
}

/** The n-th decision of a kind under each policy; `shift` > 0: the candidate decides later. */
export interface DecisionPair {
  inForce: BacktestDecision | null;
  candidate: BacktestDecision | null;
  /** candidate.window - inForce.window, when both made it. */
  shift: number | null;
}

export interface KindComparison {
  inForce: number;
  candidate: number;
  pairs: DecisionPair[];
}

export type BacktestComparison = Record<BacktestKind, KindComparison>;

/** Pairs the decisions of each kind in order (first pause with first pause, ...). */
export function compareReplays(inForce: PolicyReplay, candidate: PolicyReplay): BacktestComparison {
  const out = {} as BacktestComparison;
  for (const kind of BACKTEST_KINDS) {
    const a = inForce.decisions.filter((d) => d.kind === kind);
    const b = candidate.decisions.filter((d) => d.kind === kind);
    const pairs: DecisionPair[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const x = a[i] ?? null;
      const y = b[i] ?? null;
      pairs.push({ inForce: x, candidate: y, shift: x && y ? y.window - x.window : null });
    }
    out[kind] = { inForce: a.length, candidate: b.length, pairs };
  }
  return out;
}
