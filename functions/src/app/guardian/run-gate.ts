import { canaryId, type Canary } from '../../core/canary';
import type { Channel, Platform } from '../../core/types';
import type { GuardianCheckName } from '../../config/guardian-policy';
import { isCanaryConflict, PlatformError, type AuditLog, type PendingAuditEntry, type CanaryStore, type Clock, type GitHubFacts, type ReleaseDiff, type RepoRef } from '../../ports';
import { requestRollback, type RollbackRequestOutcome } from '../rollback/request';
import {
  benchmarksCheck,
  dependencyAuditCheck,
  prLimitsCheck,
  protectedPathsCheck,
  securityScanCheck,
  type CheckContext,
  type CheckResult,
} from './checks';
import type { LoadedPolicy } from './policy-loader';

export interface GuardianDeps {
  github: GitHubFacts;
  canaries: CanaryStore;
  audit: AuditLog;
  clock: Clock;
  policy: () => Promise<LoadedPolicy>;
}

export interface GuardianRequest {
  release: string;
  channel: Channel;
  platform?: Platform;
  repository: RepoRef;
  sha?: string;
  ref?: string;
  previousRelease?: string;
  phase: 'pre-deploy' | 'post-deploy';
  /** Who called: the API key's name or the OIDC identity. */
  actor: string;
  /** Key of the decision's audit entry: a replayed request writes no second entry. */
  idempotencyKey: string;
}

export interface GuardianDecision {
  outcome: 'pass' | 'block';
  release: string;
  channel: Channel;
  platform: Platform | null;
  repository: string;
  phase: GuardianRequest['phase'];
  previousRelease: string | null;
  checks: CheckResult[];
  /** Present for a post-deploy block of a release with a live canary. */
  rollback?: (Exclude<RollbackRequestOutcome, { status: 'requested' }> | { status: 'requested'; generation: number }) & { canaryId: string };
  auditId: string;
  policySource: LoadedPolicy['source'];
  policyWarning?: string;
  durationMs: number;
}

const CHECKS: { key: GuardianCheckName; name: string; run: (ctx: CheckContext, policy: never) => Promise<Omit<CheckResult, 'name'>> }[] = [
  { key: 'protectedPaths', name: 'protected_paths', run: protectedPathsCheck },
  { key: 'prLimits', name: 'pr_limits', run: prLimitsCheck },
  { key: 'securityScan', name: 'security_scan', run: securityScanCheck },
  { key: 'benchmarks', name: 'performance_benchmarks', run: benchmarksCheck },
  { key: 'dependencyAudit', name: 'dependency_audit', run: dependencyAuditCheck },
];

const ACTIVE: Canary['status'][] = ['running', 'paused', 'promoting'];

class NoPreviousRelease extends Error {}

const GATE_DECIDED = new Error('the gate has decided; this read is no longer needed');

function describeError(err: unknown): string {
  if (err instanceof NoPreviousRelease) return err.message;
  if (err instanceof PlatformError) return `GitHub could not answer (${err.status ?? 'no status'}${err.retryable ? ', retryable' : ''}): ${err.message}`;
  return `the check failed to run: ${(err as Error)?.message ?? String(err)}`;
}

type Found = { canary: Canary; version: string };

async function findCanary(deps: GuardianDeps, req: GuardianRequest): Promise<Found | null> {
  if (req.platform) {
    const read = await deps.canaries.get(canaryId(req.platform, req.release, req.channel));
    return read?.ok ? { canary: read.canary, version: read.version } : null;
  }
  const reads = await deps.canaries.list({ status: ACTIVE });
  const hit = reads.find((r) => r.ok && r.canary.release === req.release && (r.canary.channel === req.channel || r.canary.rollout.channel === req.channel));
  return hit?.ok ? { canary: hit.canary, version: hit.version } : null;
}

/** Writes overtaken this many times in a row are given up (the decision is still audited, saying so). */
const MAX_TRIES = 5;

/**
 * `gates.guardianPassed` on the version of the canary the gate found, with the decision's entry in
 * the same unit. Overtaken while the checks ran, the canary is read again: still live, the result is
 * written on the new version; no longer live (rolled back, finished), nothing is written on it and
 * the entry says why. A repeat of the same request (its entry stored) writes nothing again.
 */
async function recordOnCanary(
  deps: GuardianDeps,
  found: Found,
  passed: boolean,
  entry: (canaryWrite: string) => PendingAuditEntry,
): Promise<string> {
  let current: Found | null = found;
  for (let tries = 1; current && tries <= MAX_TRIES; tries++) {
    const pending = entry('written');
    try {
      const { auditIds } = await deps.canaries.update(current.canary.id, { 'gates.guardianPassed': passed }, { ifVersion: current.version, audit: [pending] });
      return auditIds[0];
    } catch (err) {
      if (!isCanaryConflict(err)) throw err;
      if (err.reason === 'duplicate') return (await deps.audit.append(pending.entry, pending.idempotencyKey)).id;
      if (err.reason !== 'changed') break;
    }
    const read = await deps.canaries.get(found.canary.id);
    current = read?.ok && ACTIVE.includes(read.canary.status) ? { canary: read.canary, version: read.version } : null;
    if (!current) {
      const why = read?.ok ? `canary is now ${read.canary.status}` : 'canary is gone or invalid';
      const alone = entry(`skipped: ${why}`);
      return (await deps.audit.append(alone.entry, alone.idempotencyKey)).id;
    }
  }
  const alone = entry('skipped: the canary kept changing');
  return (await deps.audit.append(alone.entry, alone.idempotencyKey)).id;
}

/**
 * The release gate: runs the five checks side by side under one deadline, decides, audits the
 * decision, and after a deployment turns a failure into the canary's rollback request. An `error`
 * (GitHub down, deadline passed) blocks unless that check's policy says failOpen.
 */
export async function runGuardianGate(deps: GuardianDeps, req: GuardianRequest): Promise<GuardianDecision> {
  const started = Date.now();
  // The canary lookup needs no policy: it runs beside the policy read and the checks.
  const canaryPromise = findCanary(deps, req).catch(() => null);
  const loaded = await deps.policy();
  const policy = loaded.policy;
  const controller = new AbortController();
  const call = { signal: controller.signal, deadline: Date.now() + policy.deadlineMs };
  let previousRelease: string | null = req.previousRelease ?? null;
  let diffPromise: Promise<ReleaseDiff> | undefined;
  const head = req.sha ?? req.release;
  const ctx: CheckContext = {
    github: deps.github,
    repo: req.repository,
    release: req.release,
    ref: req.sha ?? req.ref ?? req.release,
    call,
    diff: () =>
      (diffPromise ??= (async () => {
        previousRelease ??= (await canaryPromise)?.canary.previousRelease ?? null;
        const diff = await deps.github.releaseDiff(req.repository, { base: previousRelease, head, release: req.release }, call);
        if (!diff) throw new NoPreviousRelease(`no previous release found in ${req.repository.owner}/${req.repository.name}: send previousRelease`);
        previousRelease = diff.base;
        return diff;
      })()),
  };

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), policy.deadlineMs);
  });
  const checks = await Promise.all(
    CHECKS.map(async ({ key, name, run }): Promise<CheckResult> => {
      const checkPolicy = policy.checks[key];
      if (!checkPolicy.enabled) return { name, status: 'skipped', detail: 'disabled in config/guardian' };
      const outcome = await Promise.race([
        run(ctx, checkPolicy as never).then(
          (r) => ({ name, ...r }),
          (err: unknown): CheckResult => ({ name, status: 'error', detail: describeError(err) }),
        ),
        deadline.then((): CheckResult => ({ name, status: 'error', detail: `GitHub did not answer within the gate's ${policy.deadlineMs} ms deadline; try again` })),
      ]);
      if (outcome.status === 'error' && checkPolicy.failOpen) return { ...outcome, detail: `${outcome.detail} (failOpen: not blocking)` };
      return outcome;
    }),
  );
  clearTimeout(timer);
  // Reads a timed-out check left behind stop here; one shared reason (a DOMException per gate costs a stack trace).
  controller.abort(GATE_DECIDED);

  const blocking = checks.filter((c, i) => c.status === 'fail' || (c.status === 'error' && !policy.checks[CHECKS[i].key].failOpen));
  const outcome = blocking.length === 0 ? 'pass' : 'block';
  const found = await canaryPromise;
  const canary = found?.canary ?? null;
  const failed = checks.filter((c) => c.status === 'fail');
  const durationMs = Date.now() - started;
  const repository = `${req.repository.owner}/${req.repository.name}`;
  const decisionEntry = (extra: Record<string, unknown>): PendingAuditEntry => ({
    entry: {
      ts: deps.clock.now(),
      action: outcome === 'pass' ? 'guardian_pass' : 'guardian_block',
      actorUid: req.actor,
      targetId: req.release,
      meta: {
        channel: req.channel,
        platform: req.platform ?? null,
        repository,
        phase: req.phase,
        previous_release: previousRelease,
        checks: Object.fromEntries(checks.map((c) => [c.name, c.status])),
        reason: blocking.map((c) => `${c.name}: ${c.detail}`).join('; ').slice(0, 1500) || 'all checks passed',
        ...extra,
        duration_ms: durationMs,
      },
    },
    idempotencyKey: req.idempotencyKey,
  });

  let rollback: GuardianDecision['rollback'];
  let auditId: string;
  // Only a check that ran and failed rolls a live release back: a GitHub outage must not.
  if (req.phase === 'post-deploy' && failed.length > 0 && canary) {
    const result = await requestRollback(deps, {
      canaryId: canary.id,
      reason: `Guardian post-deployment check failed: ${failed.map((c) => c.name).join(', ')}`,
      trigger: 'guardian',
      requestedBy: req.actor,
      // The decision that asked is in the request's own unit.
      alsoAudit: () => [decisionEntry({ rollback: 'requested', canary_id: canary.id })],
    });
    if (result.status === 'requested') {
      rollback = { status: 'requested', generation: result.generation, canaryId: canary.id };
      auditId = result.auditIds[1];
    } else {
      rollback = { ...result, canaryId: canary.id };
      const alone = decisionEntry({ rollback: result.status, canary_id: canary.id });
      auditId = (await deps.audit.append(alone.entry, alone.idempotencyKey)).id;
    }
  } else if (found && !ACTIVE.includes(found.canary.status)) {
    const alone = decisionEntry({ canary_id: found.canary.id, canary_write: `skipped: canary is ${found.canary.status}` });
    auditId = (await deps.audit.append(alone.entry, alone.idempotencyKey)).id;
  } else if (found) {
    auditId = await recordOnCanary(deps, found, outcome === 'pass', (canaryWrite) => decisionEntry({ canary_id: found.canary.id, canary_write: canaryWrite }));
  } else {
    const alone = decisionEntry({});
    auditId = (await deps.audit.append(alone.entry, alone.idempotencyKey)).id;
  }
  return {
    outcome,
    release: req.release,
    channel: req.channel,
    platform: req.platform ?? null,
    repository,
    phase: req.phase,
    previousRelease,
    checks,
    ...(rollback ? { rollback } : {}),
    auditId,
    policySource: loaded.source,
    ...(loaded.warning ? { policyWarning: loaded.warning } : {}),
    durationMs,
  };
}
