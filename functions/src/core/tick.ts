import type { Policy } from '../config/policy-schema';
import type { GateStatus, RolloutState } from './canary';
import { bakeOf, freshBake } from './bake';
import type { PromotionHolds } from './mttr';
import { judgeWindow, type SequentialState, type WindowJudgement } from './judge-window';
import { windowsFor } from './pool';
import { stepRollout, type Outcome, type RolloutEffect } from './rollout';
import { cleanWindow } from './sanitize';
import { stagesFor } from './stages';
import type { Channel, Evaluation, MetricName, Platform, WindowSample } from './types';

export type { RolloutEffect } from './rollout';

/** Everything one evaluation of one canary needs; nothing is read from elsewhere. */
export interface TickInput {
  policy: Policy;
  platform: Platform;
  state: RolloutState;
  /** Oldest first, the newest complete window last; may include windows already judged (history). */
  windows: WindowSample[];
  gates: GateStatus;
  now: number;
  /** Metrics could not be read this tick. */
  dataError?: string;
  /** What else holds a promotion (MTTR misses on the channel, the rollout's incidents). */
  holds?: PromotionHolds;
}

export interface TickResult {
  evaluation: Evaluation;
  state: RolloutState;
  effects: RolloutEffect[];
}

function hasCanaryData(w: WindowSample): boolean {
  const c = w.canary;
  return c !== null && (c.requests > 0 || (c.sessions ?? 0) > 0);
}

// A window without fresh canary data shows the pooled figures but judges nothing: never green.
function withoutVerdict(j: WindowJudgement): WindowJudgement {
  const metrics = { ...j.metrics };
  for (const k of Object.keys(metrics) as MetricName[]) metrics[k] = { ...metrics[k], status: 'inconclusive' };
  return { ...j, verdict: 'inconclusive', metrics, reasons: [], sharedIncident: false };
}

/** The sequential test's memory in `state`, and the looks its guarantee covers: the stage's bake in windows. */
function sequentialOf(policy: Policy, platform: Platform, state: RolloutState, windowMs: number): SequentialState {
  const stages = stagesFor(policy, platform, state.channel);
  const stage = stages[state.stageIndex] ?? stages[stages.length - 1]!;
  return { evidence: bakeOf(state).evidence, looks: Math.max(1, Math.round(stage.bakeMs / windowMs)) };
}

function toEvaluation(j: WindowJudgement, decision: Evaluation['decision'], reasons: string[]): Evaluation {
  const e: Evaluation = { verdict: j.verdict, decision, reasons, metrics: j.metrics };
  if (j.sharedIncident) e.sharedIncident = true;
  return e;
}

const DEFAULT_WINDOW_MS = 60_000;

/**
 * The one evaluation entry point (scheduled function, replay, local runner, benchmark). Judges
 * each window newer than `state.lastWindowStart` in order, with the older windows as pooled
 * history, and stops at the first rollback, promotion or completion. Pure: time comes in `now`
 * and in the windows.
 */
export function evaluateTick(input: TickInput): TickResult {
  const { policy, platform, gates, now } = input;
  let state = input.state;
  const windows = input.windows
    .map(cleanWindow)
    .filter((w): w is WindowSample => w !== null)
    .sort((a, b) => a.start - b.start);
  const windowMs = windows.at(-1)?.durationMs ?? DEFAULT_WINDOW_MS;
  const judge = (upTo: number): WindowJudgement =>
    judgeWindow(policy, platform, state.channel, windows.filter((w) => w.start <= upTo), upTo + windowMs, windowMs, sequentialOf(policy, platform, state, windowMs));

  if (input.dataError !== undefined || windows.length === 0) {
    const shown = withoutVerdict(windows.length ? judge(windows.at(-1)!.start) : judgeWindow(policy, platform, state.channel, [], now, windowMs, sequentialOf(policy, platform, state, windowMs)));
    if (state.lastNoDataTickAt === now) {
      return { evaluation: toEvaluation(shown, state.paused || state.frozen ? 'pause' : 'continue', state.pauseReasons ?? []), state, effects: [] };
    }
    const outcome: Outcome = { kind: 'noData', reason: input.dataError ?? 'no windows', start: null, end: now };
    const r = stepRollout(policy, platform, { ...state, lastNoDataTickAt: now }, outcome, gates);
    return { evaluation: toEvaluation(shown, r.decision, r.reasons), state: r.state, effects: r.effects };
  }

  const effects: RolloutEffect[] = [];
  let evaluation: Evaluation | null = null;
  for (const w of windows) {
    if (state.lastWindowStart !== null && w.start <= state.lastWindowStart) continue;
    const end = w.start + w.durationMs;
    const judged = judge(w.start);
    const fresh = hasCanaryData(w);
    const outcome: Outcome = fresh
      ? { kind: 'judged', judgement: judged, start: w.start, end }
      : { kind: 'noData', reason: w.canary ? 'no canary traffic' : 'no canary metrics', start: w.start, end };
    const r = stepRollout(policy, platform, state, outcome, gates, input.holds);
    state = { ...r.state, lastWindowStart: w.start };
    effects.push(...r.effects);
    evaluation = toEvaluation(fresh ? judged : withoutVerdict(judged), r.decision, r.reasons);
    if (r.effects.some((e) => e.kind === 'rollback' || e.kind === 'promote' || e.kind === 'complete')) break;
  }
  if (!evaluation) {
    // Nothing new (a retried tick): report the latest picture, change nothing.
    const decision = state.frozen || state.paused ? 'pause' : 'continue';
    const newest = windows.at(-1)!;
    const shown = judge(newest.start);
    evaluation = toEvaluation(hasCanaryData(newest) ? shown : withoutVerdict(shown), decision, state.pauseReasons ?? []);
  }
  return { evaluation, state, effects };
}

/** Where a canary starts on `channel`: its first stage, no history. */
export function initialRolloutState(policy: Policy, platform: Platform, channel: Channel, now: number): RolloutState {
  return {
    channel,
    stageIndex: 0,
    rolloutPercent: stagesFor(policy, platform, channel)[0]!.percent,
    stageStartedAt: now,
    greenSince: null,
    streaks: { red: 0, yellow: 0, noData: 0, inconclusive: 0, green: 0, clear: 0 },
    lastWindowStart: null,
    frozen: false,
    redSince: null,
    paused: false,
    bake: freshBake(now),
  };
}

/** How many windows of `windowMs` the caller must fetch so every metric has its full pooling window. */
export function lookbackWindows(policy: Policy, windowMs: number): number {
  const w = policy.windows;
  return Math.max(...[w.errorRateMinutes, w.p95LatencyMinutes, w.crashRateMinutes, w.successRateMinutes].map((m) => windowsFor(m, windowMs)));
}
