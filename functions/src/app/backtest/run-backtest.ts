import { defaultPolicy } from '../../config/default-policy';
import type { Policy } from '../../config/policy-schema';
import { compareReplays, replayHistory, type BacktestComparison, type PolicyReplay } from '../../core/backtest';
import { stagesFor } from '../../core/stages';
import { CHANNELS, type Channel } from '../../core/types';
import type { ConfigStore, EvaluationHistory, StoredCanaryHistory } from '../../ports';
import { loadPolicy } from '../evaluate/policy-source';
import { policyForSource } from '../evaluate/source-view';
import { historyWindows } from './history-windows';

export interface BacktestDeps {
  history: EvaluationHistory;
  config: ConfigStore;
}

export interface BacktestRequest {
  /** Decisions scheduled at or after this time are replayed, ms. */
  since: number;
  canaryId?: string;
  /** The candidate, validated (config/policy-file.ts). */
  candidate: Policy;
}

/** What the decision documents themselves say was decided: a check that the replay of the policy in force matches. */
export interface RecordedDecisions {
  rollback: number;
  pause: number;
  promote: number;
}

export type CanaryBacktest =
  | {
      id: string;
      platform: string;
      release: string;
      ok: true;
      /** Windows in the stored history (gaps filled). */
      windows: number;
      withoutCounts: number;
      truncated: boolean;
      recorded: RecordedDecisions;
      inForce: PolicyReplay;
      candidate: PolicyReplay;
      comparison: BacktestComparison;
    }
  | { id: string; platform?: string; release?: string; ok: false; reason: string };

export interface BacktestReport {
  since: number;
  /** Why the policy in force is the shipped default rather than config/policy, if it is. */
  policyWarning?: string;
  canaries: CanaryBacktest[];
}

function recorded(h: StoredCanaryHistory): RecordedDecisions {
  const count = (kind: string) => h.records.filter((r) => r.superseded === undefined && r.effects.includes(kind)).length;
  return { rollback: count('rollback'), pause: count('pause'), promote: count('promote') };
}

function backtestOne(h: StoredCanaryHistory, inForce: Policy, candidate: Policy): CanaryBacktest {
  if (!h.canary) return { id: h.id, ok: false, reason: h.error ?? 'the canary cannot be read' };
  const { platform, release, gates } = h.canary;
  const series = historyWindows(h.records);
  if (!series) {
    return { id: h.id, platform, release, ok: false, reason: `none of its ${h.records.length} decision documents keeps window counts (written before the evaluator kept them)` };
  }
  if (!(CHANNELS as readonly string[]).includes(series.channel)) return { id: h.id, platform, release, ok: false, reason: 'its decisions name no known channel' };
  const channel = series.channel as Channel;
  const stageIndex = Math.max(0, stagesFor(inForce, platform, channel).findIndex((s) => s.percent === series.rolloutPercent));
  const history = { platform, channel, stageIndex, gates, windows: series.windows };
  // Each policy judges only what the source fed, as the scheduled evaluation did.
  const run = (p: Policy) => replayHistory(policyForSource(p, platform, series.fed) ?? p, history);
  const a = run(inForce);
  const b = run(candidate);
  return {
    id: h.id,
    platform,
    release,
    ok: true,
    windows: series.windows.length,
    withoutCounts: series.withoutCounts,
    truncated: series.truncated,
    recorded: recorded(h),
    inForce: a,
    candidate: b,
    comparison: compareReplays(a, b),
  };
}

/**
 * The backtest use case: the policy in force (the shipped default with `config/policy` applied, as
 * the scheduled evaluation reads it) and a candidate, each replayed over every canary's stored
 * windows since `since`, decisions compared.
 */
export async function runBacktest(deps: BacktestDeps, req: BacktestRequest): Promise<BacktestReport> {
  const warnings: string[] = [];
  const logger = { info: () => undefined, warn: (m: string, f?: Record<string, unknown>) => warnings.push(String(f?.error ?? m)), error: (m: string, f?: Record<string, unknown>) => warnings.push(String(f?.error ?? m)) };
  const { policy: inForce } = await loadPolicy(deps.config, { policy: defaultPolicy }, logger);
  const histories = await deps.history.list({ since: req.since, ...(req.canaryId !== undefined ? { canaryId: req.canaryId } : {}) });
  const canaries = histories.map((h) => backtestOne(h, inForce, req.candidate));
  return { since: req.since, ...(warnings.length ? { policyWarning: `${warnings.join('; ')} (the shipped default is replayed as the policy in force)` } : {}), canaries };
}
