import type { Platform } from '../../core/types';
import type { IncidentDeps } from '../incidents/write-report';
import { LONGEST_STEP_CALLS, PLATFORM_CALL_TIMEOUT_MS, type AuditLog, type CanaryStore, type Clock, type RollbackActuators, type RollbackLedger } from '../../ports';
import type { TelemetryAggregates } from '../../ports/telemetry';

/** Knobs of the rollback; production values come from params (config/params.ts), tests shrink the waits. */
export interface RollbackSettings {
  /** Kill switch (AUTO_ROLLBACK_ENABLED): false suppresses automatic rollbacks; manual ones still run. */
  autoRollbackEnabled: boolean;
  /** GLOBAL_DRY_RUN: record what would be sent, send nothing (canaries have their own dryRun too). */
  globalDryRun: boolean;
  /** ROLLBACKS_PER_HOUR: circuit breaker for automatic rollbacks per project per hour. */
  rollbacksPerHour: number;
  /** A holder presumed dead after this long (on the store's clock); rollbackLeaseMs(runDeadlineMs). */
  leaseMs: number;
  /** A run stops waiting past this (Retry-After, back-off) and leaves the rest to the reconciler. */
  runDeadlineMs: number;
  /** Calls per step within one run. */
  triesPerRun: number;
  /** Calls per step across all runs: past it the step fails and the canary is rollback_failed. */
  maxTries: number;
  /** Back-off before try n+1 is backoffBaseMs * 2^(n-1). */
  backoffBaseMs: number;
  /** Users per platform, where known, to estimate affected_users from the rollout percentage. */
  usersByPlatform?: Partial<Record<Platform, number>>;
}

/** Margin of the rollback lease over the longest run of its steps (clock drift, GC pauses, a slow store). */
export const ROLLBACK_LEASE_MARGIN = 1.5;

/**
 * The rollback lease's time-to-live: a run stops starting calls at its deadline, but a step begun
 * just before it may still make LONGEST_STEP_CALLS calls of PLATFORM_CALL_TIMEOUT_MS each; the lease
 * outlasts that by ROLLBACK_LEASE_MARGIN, so no second attempt starts while the first still acts (C4).
 */
export function rollbackLeaseMs(runDeadlineMs: number, callTimeoutMs = PLATFORM_CALL_TIMEOUT_MS): number {
  return Math.ceil((runDeadlineMs + LONGEST_STEP_CALLS * callTimeoutMs) * ROLLBACK_LEASE_MARGIN);
}

const RUN_DEADLINE_MS = 120_000;

export const DEFAULT_ROLLBACK_SETTINGS: RollbackSettings = {
  autoRollbackEnabled: true,
  globalDryRun: false,
  rollbacksPerHour: 3,
  leaseMs: rollbackLeaseMs(RUN_DEADLINE_MS),
  runDeadlineMs: RUN_DEADLINE_MS,
  triesPerRun: 3,
  maxTries: 8,
  backoffBaseMs: 1_000,
};

/** What the rollback use case needs; the trigger, the reconciler, the bench and tests pass them in. */
export interface RollbackDeps {
  canaries: CanaryStore;
  audit: AuditLog;
  ledger: RollbackLedger;
  actuators: RollbackActuators;
  clock: Clock;
  /** Waits (Retry-After, back-off); tests pass one that advances a fake clock. */
  sleep: (ms: number) => Promise<void>;
  settings: RollbackSettings;
  /** Telemetry aggregates, where client apps report: distinct installs become affected_users. */
  telemetry?: TelemetryAggregates;
  /** Incident reports (post-mortems) written when a rollback finishes; absent: none are written. */
  incidents?: IncidentDeps;
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
