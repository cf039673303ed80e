import { randomUUID } from 'node:crypto';
import { mapBounded } from '../../core/map-bounded';
import { EVALUATED_STATUSES, type Canary } from '../../core/canary';
import type { MttrFlag } from '../../core/mttr';
import { lookbackWindows } from '../../core/tick';
import type { CanaryMetrics, MetricsRange } from '../../ports';
import type { EvaluateDeps } from './deps';
import { evaluateCanary, type CanaryOutcome, type TickContext } from './evaluate-canary';
import { loadPolicy } from './policy-source';
import { restoredPopulation, watchRecovery, type RecoveryOutcome } from './recovery-watch';
import { defaultPolicy } from '../../config/default-policy';
import { fencedAuditLog } from '../audit/fenced-audit-log';

/** What one scheduled run did, for the logs, the local runner and the tests. */
export interface TickReport {
  scheduleTime: string;
  /** Another run holds the lease (a slower run is still going): this one did nothing (S2). */
  skipped?: { reason: 'lease_held'; heldBy: string; expiresAt: number };
  range?: MetricsRange;
  policyError?: string;
  /** Documents that failed their schema: quarantined and skipped. */
  invalid: { id: string; error: string }[];
  outcomes: CanaryOutcome[];
  /** Rolled-back canaries whose restored population was judged this tick. */
  recoveries: RecoveryOutcome[];
}

const LEASE = 'evaluate-canaries';

/** The newest complete windows before the ingestion lag, aligned to window boundaries (S8). */
export function metricsRange(scheduleTime: number, windowMs: number, lagMs: number, windows: number): MetricsRange {
  const end = Math.floor((scheduleTime - lagMs) / windowMs) * windowMs;
  return { end, windowMs, windows };
}

/** Open MTTR flags of every platform, in one query; the channel is the one the incident happened on. */
async function openMttrFlags(deps: EvaluateDeps): Promise<MttrFlag[]> {
  const reads = await deps.canaries.list({ mttrMissed: true });
  return reads.flatMap((r) => {
    const m = r.ok ? r.canary.mttrMissed : undefined;
    if (!r.ok || !m?.open) return [];
    return [{ canaryId: r.canary.id, incidentId: m.incidentId, platform: r.canary.platform, channel: r.canary.rollout.channel, minutes: m.minutes, targetMinutes: m.targetMinutes }];
  });
}

/**
 * One scheduled tick: every running or paused canary is loaded, the metrics of all of them are
 * read in one go, each is judged, and each decision is claimed and acted on at most once per
 * schedule time. A canary whose document is invalid or whose evaluation throws is isolated.
 */
export async function evaluateAll(deps: EvaluateDeps, scheduleTime: string): Promise<TickReport> {
  const t = Date.parse(scheduleTime);
  if (!Number.isFinite(t)) throw new Error(`scheduleTime is not an RFC 3339 time: ${JSON.stringify(scheduleTime).slice(0, 80)}`);
  const iso = new Date(t).toISOString();
  const report: TickReport = { scheduleTime: iso, invalid: [], outcomes: [], recoveries: [] };
  const { logger, settings } = deps;

  const holder = `evaluate@${iso}#${randomUUID().slice(0, 8)}`;
  const lease = await deps.lease.acquire(LEASE, holder, settings.leaseTtlMs, deps.clock.now());
  if (!lease.acquired) {
    logger.info('another evaluation run holds the lease; skipping this tick', { scheduleTime: iso, heldBy: lease.heldBy, expiresAt: lease.expiresAt });
    return { ...report, skipped: { reason: 'lease_held', heldBy: lease.heldBy, expiresAt: lease.expiresAt } };
  }
  try {
    deps.policyMemo ??= { policy: defaultPolicy };
    const { policy, error: policyError } = await loadPolicy(deps.config, deps.policyMemo, logger);
    if (policyError) report.policyError = policyError;

    const reads = await deps.canaries.list({ status: [...EVALUATED_STATUSES] });
    const canaries: Canary[] = [];
    // The version each canary was read at: the tick's write lands only on that version (C1).
    const versions = new Map<string, string>();
    for (const read of reads) {
      if (read.ok) {
        canaries.push(read.canary);
        versions.set(read.canary.id, read.version);
        continue;
      }
      report.invalid.push({ id: read.id, error: read.error });
      logger.error('canary document is invalid; quarantined and skipped', { canaryId: read.id, error: read.error });
      await deps.canaries.markInvalid(read.id, read.error, read.version !== undefined ? { ifVersion: read.version } : {}).catch((err: unknown) =>
        logger.error('could not quarantine an invalid canary', { canaryId: read.id, error: String(err) }),
      );
    }
    // Rolled-back canaries still under watch ride along in the same metrics query (no extra calls).
    const watched = (await deps.canaries.list({ status: 'rolled_back', recoveryWatch: true })).flatMap((r) => {
      const population = r.ok ? restoredPopulation(r.canary) : null;
      return r.ok && population ? [{ canary: r.canary, population }] : [];
    });
    if (canaries.length === 0 && watched.length === 0) return report;
    const queried = [...canaries, ...watched.map((w) => w.population)];

    const range = metricsRange(t, settings.windowMs, settings.ingestionLagMs, lookbackWindows(policy, settings.windowMs));
    report.range = range;
    let metrics: Map<string, CanaryMetrics>;
    try {
      metrics = await deps.metrics.fetch(queried, range);
    } catch (err) {
      // A source that throws is an outage like any other: no data for everyone, never a verdict.
      const error = `metrics source failed: ${String((err as Error)?.message ?? err)}`;
      logger.error(error, { scheduleTime: iso });
      metrics = new Map(queried.map((c) => [c.id, { ok: false, error, retryable: true }]));
    }

    const mttrFlags = canaries.length ? await openMttrFlags(deps) : [];
    const ctx: TickContext = { policy, scheduleTime: t, tickKey: `tick-${iso}`, mttrFlags, ...(lease.fence ? { fence: lease.fence } : {}) };
    // The tick's audit entries are written under its term too: a run fenced out appends nothing.
    const held: EvaluateDeps = { ...deps, audit: fencedAuditLog(deps.audit, lease.fence) };
    report.outcomes = await mapBounded(canaries, settings.concurrency, async (canary) => {
      try {
        return await evaluateCanary(held, ctx, canary, metrics.get(canary.id), versions.get(canary.id));
      } catch (err) {
        const error = String((err as Error)?.message ?? err);
        logger.error('evaluation of one canary failed; the others go on', { canaryId: canary.id, error });
        return { id: canary.id, status: 'failed', error } satisfies CanaryOutcome;
      }
    });
    report.recoveries = await mapBounded(watched, settings.concurrency, async ({ canary, population }) => {
      try {
        return await watchRecovery(held, ctx, canary, metrics.get(population.id));
      } catch (err) {
        logger.error('recovery watch of one canary failed; the others go on', { canaryId: canary.id, error: String((err as Error)?.message ?? err) });
        return { id: canary.id, status: 'watching' } satisfies RecoveryOutcome;
      }
    });
    const count = (s: CanaryOutcome['status']) => report.outcomes.filter((o) => o.status === s).length;
    logger.info('evaluation tick done', {
      scheduleTime: iso,
      canaries: canaries.length,
      decided: count('decided'),
      alreadyDecided: count('already_decided'),
      superseded: count('superseded'),
      failed: count('failed'),
      invalid: report.invalid.length,
    });
    return report;
  } finally {
    await deps.lease.release(LEASE, lease.term, holder, deps.clock.now()).catch((err: unknown) =>
      logger.warn('could not release the evaluation lease; it expires on its own', { error: String(err) }),
    );
  }
}
