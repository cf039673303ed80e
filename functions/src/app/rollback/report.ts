import type { Canary, RollbackRequest } from '../../core/canary';
import { explain } from '../../core/notification-explain';
import type { AuditEntry } from '../../ports/audit';
import type { RollbackStepName } from '../../ports/platform';
import type { RollbackPlan } from '../../ports/rollback-ledger';
import type { TelemetryAggregates } from '../../ports/telemetry';
import type { RollbackSettings } from './deps';

const MINUTE = 60_000;
const minutes = (ms: number) => Math.round((ms / MINUTE) * 10) / 10;

/** What Play cannot undo: said in every mobile rollback's audit entry. */
export const PLAY_NOTE = 'users who already updated keep the bad version until a fixed build (higher versionCode) ships; Play cannot downgrade';
/** What electron-updater does with a new Latest: said in every desktop rollback's audit entry. */
export const DESKTOP_NOTE = 'clients already on the bad version move back only where the app sets allowDowngrade; others wait for a fixed build';

/** affected_users: the rollout's share of the platform's users, where the user count is known. */
export function affectedUsers(canary: Canary, settings: RollbackSettings): number | null {
  const users = settings.usersByPlatform?.[canary.platform];
  if (users === undefined) return null;
  return Math.round((users * canary.rollout.rolloutPercent) / 100);
}

/** Installs counted for affected_users: the canary's life, at most this far back (reads grow with minutes). */
export const INSTALLS_LOOKBACK_MS = 24 * 3_600_000;

/**
 * Distinct installs that reported the release from its creation (at most a day back) to `at`, from
 * the telemetry aggregates; null when there is no telemetry, no report, or the read fails (the
 * rollback never waits on it). Installs that sampled themselves out are not counted (canaries are
 * always sampled at 1).
 */
export async function telemetryInstalls(telemetry: TelemetryAggregates | undefined, canary: Canary, at: number): Promise<number | null> {
  if (!telemetry) return null;
  const to = Math.ceil(at / MINUTE) * MINUTE;
  const from = Math.floor(Math.max(canary.createdAt, at - INSTALLS_LOOKBACK_MS) / MINUTE) * MINUTE;
  try {
    const read = await telemetry.read({ platform: canary.platform, release: canary.release, from, to });
    return read.ok && read.installs.all > 0 ? read.installs.all : null;
  } catch {
    return null;
  }
}

/**
 * The incident's clock: onset (first red window) -> decision (request) -> restore (last step done,
 * or for web behind the cohort router the share going to 0, with the platform's time beside it).
 */
export interface IncidentTimes {
  onsetAt?: number;
  decidedAt: number;
  startedAt: number;
  restoredAt: number;
  /** When the platform steps finished, where users were restored earlier (the cohort share). */
  platformRestoredAt?: number;
}

export function incidentMinutes(t: IncidentTimes): Record<string, number | null> {
  return {
    time_to_detect_minutes: t.onsetAt !== undefined ? minutes(t.decidedAt - t.onsetAt) : null,
    time_to_decide_minutes: minutes(t.startedAt - t.decidedAt),
    time_to_restore_minutes: minutes(t.restoredAt - t.startedAt),
    mttr_minutes: minutes(t.restoredAt - (t.onsetAt ?? t.decidedAt)),
    ...(t.platformRestoredAt !== undefined ? { time_to_platform_restore_minutes: minutes(t.platformRestoredAt - t.startedAt) } : {}),
  };
}

/** The source document's admin_audit entry for a rollback (auto_rollback / manual_rollback). */
export function rollbackEntry(
  canary: Canary,
  request: RollbackRequest,
  plan: RollbackPlan,
  settings: RollbackSettings,
  at: number,
  steps: Partial<Record<RollbackStepName, string>>,
  /** Distinct installs of the release from telemetry, when known: they replace the configured estimate. */
  installs: number | null = null,
): AuditEntry {
  const estimate = installs === null ? affectedUsers(canary, settings) : null;
  const note = canary.platform === 'mobile' ? PLAY_NOTE : canary.platform === 'desktop' ? DESKTOP_NOTE : undefined;
  return {
    ts: at,
    action: request.trigger === 'manual' ? 'manual_rollback' : 'auto_rollback',
    actorUid: request.trigger === 'manual' ? request.requestedBy : 'system',
    targetId: canary.release,
    meta: {
      channel: canary.rollout.channel,
      reason: request.reason,
      rollback_to: plan.rollbackTo,
      affected_users: installs ?? estimate,
      affected_users_source: installs !== null ? 'telemetry_installs' : estimate !== null ? 'configured_users_x_rollout' : null,
      duration_minutes: Math.round((at - canary.createdAt) / MINUTE),
      trigger: request.trigger,
      platform: canary.platform,
      canaryId: canary.id,
      generation: request.generation,
      steps,
      ...(note ? { note } : {}),
    },
  };
}

/** What a rollback's message needs beside the incident's times: why, how each step went, the numbers. */
export interface CompletedDetails {
  reason: string;
  trigger: string;
  steps: Partial<Record<RollbackStepName, string>>;
  affectedUsers: number | null;
}

/**
 * The closing entry: the incident's times, the seed's MTTR measured per incident, and what its
 * notification shows (one message per rollback): the reason, each step's outcome, the evaluation.
 */
export function completedEntry(canary: Canary, plan: RollbackPlan, times: IncidentTimes, generation: number, details?: CompletedDetails): AuditEntry {
  return {
    ts: times.platformRestoredAt ?? times.restoredAt,
    action: 'rollback_completed',
    actorUid: 'system',
    targetId: canary.release,
    meta: {
      channel: canary.rollout.channel,
      rollback_to: plan.rollbackTo,
      canaryId: canary.id,
      generation,
      ...incidentMinutes(times),
      ...(times.platformRestoredAt !== undefined
        ? { restored_by: 'cohort_share', restored_at: new Date(times.restoredAt).toISOString(), platform_restored_at: new Date(times.platformRestoredAt).toISOString() }
        : {}),
      ...(details
        ? {
            platform: canary.platform,
            reason: details.reason,
            trigger: details.trigger,
            steps: details.steps,
            affected_users: details.affectedUsers,
            repository: canary.target.repository,
            explanation: explain(canary.lastEvaluation),
          }
        : {}),
    },
  };
}
