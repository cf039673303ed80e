import type { Policy } from '../config/policy-schema';
import { bakedMs, bakeOf, bakeShortfall, freshBake, pool } from './bake';
import type { BakeState, GateStatus, RolloutState } from './canary';
import type { WindowJudgement } from './judge-window';
import { mttrWaits, type PromotionHolds } from './mttr';
import { missingGates, stagesFor } from './stages';
import type { Decision, Platform, RolloutStep } from './types';

/** An action the caller must carry out; at most one promote, complete or rollback per step. */
export type RolloutEffect =
  | { kind: 'promote'; from: RolloutStep; to: RolloutStep }
  | { kind: 'complete' }
  | { kind: 'rollback'; reasons: string[]; onsetAt: number | null }
  | { kind: 'pause'; reasons: string[] }
  | { kind: 'resume' };

/** What one window (or one tick without windows) told us. */
export type Outcome =
  | { kind: 'judged'; judgement: WindowJudgement; start: number; end: number }
  | { kind: 'noData'; reason: string; start: number | null; end: number };

export interface StepResult {
  state: RolloutState;
  decision: Decision;
  reasons: string[];
  effects: RolloutEffect[];
}

const zero = { red: 0, yellow: 0, noData: 0, inconclusive: 0, green: 0, clear: 0 };

function pauseWith(state: RolloutState, reasons: string[], effects: RolloutEffect[]): StepResult {
  if (!state.paused) effects.push({ kind: 'pause', reasons });
  return { state: { ...state, paused: true, pauseReasons: reasons }, decision: 'pause', reasons, effects };
}

// A pause holds the bake's clock: a window that ends paused does not count as baked time.
function holdIfPaused(r: StepResult, start: number, end: number): StepResult {
  const bake = r.state.bake;
  if (!r.state.paused || r.state.frozen || !bake || bake.since >= end) return r;
  return { ...r, state: { ...r.state, bake: { ...bake, heldMs: bake.heldMs + end - Math.max(start, bake.since) } } };
}

function hours(ms: number): string {
  return `${Number((ms / 3_600_000).toFixed(1))} h`;
}

/**
 * The rollout state machine: one judged window in, the new position and the effects out.
 * Rollback freezes the release; promotion moves to a new stage, so neither can happen twice.
 */
export function stepRollout(policy: Policy, platform: Platform, prev: RolloutState, outcome: Outcome, gates: GateStatus, holds?: PromotionHolds): StepResult {
  if (prev.frozen) return { state: prev, decision: 'pause', reasons: ['Release was rolled back: no automatic decisions'], effects: [] };
  if (prev.completed) return { state: prev, decision: 'continue', reasons: ['Rollout complete'], effects: [] };
  const r = step(policy, platform, { ...prev, bake: bakeOf(prev) }, outcome, gates, holds);
  return outcome.start === null ? r : holdIfPaused(r, outcome.start, outcome.end);
}

function step(policy: Policy, platform: Platform, prev: RolloutState & { bake: BakeState }, outcome: Outcome, gates: GateStatus, holds?: PromotionHolds): StepResult {
  const ev = policy.evaluation;
  const effects: RolloutEffect[] = [];
  const s = { ...zero, ...prev.streaks };
  let state: RolloutState = { ...prev, streaks: s };
  if (outcome.kind === 'noData') {
    s.noData++;
    s.green = 0;
    s.clear = 0;
    state.greenSince = null;
    const reasons = [`No canary data for ${s.noData} window${s.noData === 1 ? '' : 's'} (${outcome.reason}); pause after ${ev.pauseAfterNoDataWindows}`];
    if (s.noData >= ev.pauseAfterNoDataWindows) return pauseWith(state, reasons, effects);
    return { state, decision: state.paused ? 'pause' : 'continue', reasons, effects };
  }

  const { judgement: j, start, end } = outcome;
  const v = j.verdict;
  s.noData = 0;
  // Red windows count until a green one: a yellow or inconclusive window in between is no evidence
  // of health (a limit that flickers at a bucket edge must not reset the count).
  s.red = v === 'red' ? s.red + 1 : v === 'green' ? 0 : s.red;
  s.yellow = v === 'yellow' ? s.yellow + 1 : 0;
  s.inconclusive = v === 'inconclusive' ? s.inconclusive + 1 : 0;
  s.green = v === 'green' ? s.green + 1 : 0;
  s.clear = v === 'green' || v === 'inconclusive' ? s.clear + 1 : 0;
  state.redSince = v === 'red' ? (prev.redSince ?? start) : v === 'green' ? null : prev.redSince;
  state.greenSince = v === 'green' ? (prev.greenSince ?? start) : null;
  // The window's counts join the bake's pooled evidence; a red window restarts the bake after it.
  const bake: BakeState = { ...prev.bake, evidence: j.evidence, pooled: pool(prev.bake.pooled, j.counts) };
  state.bake = v === 'red' ? { ...freshBake(end), evidence: j.evidence } : bake;

  switch (v) {
    case 'red': {
      if (s.red >= ev.redWindowsToRollback) {
        effects.push({ kind: 'rollback', reasons: j.reasons, onsetAt: state.redSince });
        state = { ...state, frozen: true, paused: false };
        return { state, decision: 'rollback', reasons: j.reasons, effects };
      }
      return pauseWith(state, [...j.reasons, `Red in ${s.red} of the ${ev.redWindowsToRollback} windows needed for a rollback`], effects);
    }
    case 'yellow':
      return pauseWith(state, j.reasons, effects);
    case 'inconclusive':
    case 'green': {
      // A pause lifts after enough windows in a row with data and nothing wrong: at low traffic
      // those are inconclusive more often than green, and demanding green would never resume.
      if (state.paused) {
        if (s.clear < ev.resumeAfterGreenWindows) {
          const reasons = [`Paused: ${s.clear} of ${ev.resumeAfterGreenWindows} clear windows before resuming`];
          return { state, decision: 'pause', reasons, effects };
        }
        effects.push({ kind: 'resume' });
        state = { ...state, paused: false, pauseReasons: [] };
      }
      return promoteIfBaked(policy, platform, state, end, gates, effects, holds);
    }
    default: {
      const exhaustive: never = v;
      return exhaustive;
    }
  }
}

/**
 * Promotes when the stage's bake passes: its time is up (pauses not counted), no red since it
 * (re)started, not paused, and the pooled evidence shows every rate below its threshold with the
 * channel's minimum exposure (core/bake.ts); the channel's exit gates for leaving a channel.
 */
function promoteIfBaked(
  policy: Policy,
  platform: Platform,
  state: RolloutState,
  end: number,
  gates: GateStatus,
  effects: RolloutEffect[],
  holds: PromotionHolds | undefined,
): StepResult {
  const stages = stagesFor(policy, platform, state.channel);
  const stage = stages[state.stageIndex] ?? stages[stages.length - 1]!;
  const bake = bakeOf(state);
  if (bakedMs(bake, end) < stage.bakeMs) return { state, decision: 'continue', reasons: [], effects };
  const short = bakeShortfall(policy, platform, state.channel, bake);
  if (short.length > 0) return { state, decision: 'continue', reasons: [`Bake time met; the evidence still lacks: ${short.join(', ')}`], effects };
  const nextStage = stages[state.stageIndex + 1];
  const ch = policy.channels[state.channel];
  // An MTTR miss on this channel holds every promotion out of it (stage steps included) until a person clears it.
  const held = mttrWaits(policy, platform, state.channel, !nextStage && ch.next === null, holds);
  if (held.length > 0) return { state, decision: 'continue', reasons: [`Promotion waits for: ${held.join('; ')}`], effects };
  const from: RolloutStep = { channel: state.channel, rolloutPercent: state.rolloutPercent };
  const fresh = { greenSince: null, redSince: null, streaks: { ...zero }, stageStartedAt: end, paused: false, pauseReasons: [], bake: freshBake(end) };
  if (nextStage) {
    const to: RolloutStep = { channel: state.channel, rolloutPercent: nextStage.percent };
    effects.push({ kind: 'promote', from, to });
    const reasons = [`${hours(stage.bakeMs)} baked at ${from.rolloutPercent}%: rolling out to ${to.rolloutPercent}%`];
    return { state: { ...state, ...fresh, stageIndex: state.stageIndex + 1, rolloutPercent: to.rolloutPercent }, decision: 'promote', reasons, effects };
  }
  const missing = missingGates(ch, gates);
  if (missing.length > 0) return { state, decision: 'continue', reasons: [`Promotion waits for: ${missing.join(', ')}`], effects };
  if (ch.next === null) {
    effects.push({ kind: 'complete' });
    return { state: { ...state, completed: true }, decision: 'promote', reasons: [`${hours(stage.bakeMs)} baked at ${from.rolloutPercent}%: rollout complete`], effects };
  }
  const first = stagesFor(policy, platform, ch.next)[0]!;
  const to: RolloutStep = { channel: ch.next, rolloutPercent: first.percent };
  effects.push({ kind: 'promote', from, to });
  const reasons = [`${hours(stage.bakeMs)} baked on ${from.channel}: promoting to ${to.channel} at ${to.rolloutPercent}%`];
  return { state: { ...state, ...fresh, channel: ch.next, stageIndex: 0, rolloutPercent: to.rolloutPercent }, decision: 'promote', reasons, effects };
}
