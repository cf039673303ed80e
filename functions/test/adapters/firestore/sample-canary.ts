import type { Canary } from '../../../src/core/canary';
import type { EvaluationRecord } from '../../../src/ports/canary-store';

const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);

/** A complete canary with every optional field absent, unless overridden. */
export function sampleCanary(overrides: Partial<Canary> = {}): Canary {
  return {
    id: 'web__v28R.1__alpha',
    platform: 'web',
    release: 'v28R.1',
    previousRelease: 'v28R.0',
    channel: 'alpha',
    status: 'running',
    dryRun: false,
    createdAt: T0,
    updatedAt: T0,
    createdBy: 'ci',
    target: { repository: 'acme/app', hostingSite: 'acme', hostingChannel: 'live' },
    rollout: {
      channel: 'alpha',
      stageIndex: 0,
      rolloutPercent: 10,
      stageStartedAt: T0,
      greenSince: null,
      streaks: { red: 0, yellow: 0, noData: 0, inconclusive: 0 },
      lastWindowStart: null,
      frozen: false,
      redSince: null,
    },
    gates: {},
    ...overrides,
  };
}

const metric = { canary: 0.08, baseline: 0.01, threshold: 0.05, status: 'red' as const };

export function sampleEvaluation(scheduleTime: number, overrides: Partial<EvaluationRecord> = {}): EvaluationRecord {
  return {
    verdict: 'red',
    decision: 'rollback',
    reasons: ['Error rate 8% (threshold 5%)'],
    metrics: {
      error_rate: metric,
      success_rate: { canary: null, baseline: null, threshold: 0.95, status: 'inconclusive' },
      crash_rate: { ...metric, status: 'green', canary: 0 },
      p95_latency: { canary: 320, baseline: 300, threshold: 0.5, status: 'green' },
      http_error_rate: { canary: 0.09, baseline: 0.02, threshold: 0.1, status: 'yellow' },
      p95_latency_sla: { canary: 320, baseline: 300, threshold: 200, status: 'inconclusive' },
    },
    at: scheduleTime + 1500,
    windowStart: scheduleTime - 300_000,
    scheduleTime,
    channel: 'alpha',
    rolloutPercent: 10,
    effects: ['rollback'],
    dryRun: false,
    expireAt: scheduleTime + 7 * 24 * 3600_000,
    ...overrides,
  };
}

export { T0 };
