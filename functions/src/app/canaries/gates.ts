import { isTerminal, type GateStatus } from '../../core/canary';
import { isCanaryConflict, parseRepo, type AuditLog, type CanaryStore, type Clock, type GitHubFacts } from '../../ports';

export interface GateUpdate {
  loadTestPassed?: boolean;
  crossPlatformValidated?: boolean;
  userFeedbackScore?: number;
  securityScanPassed?: boolean;
}

export interface GatesDeps {
  canaries: CanaryStore;
  audit: AuditLog;
  clock: Clock;
  github?: GitHubFacts;
  defaultRepository?: string;
  bugLabels: string[];
}

export type GatesOutcome =
  | { status: 'updated'; gates: GateStatus; bugs: { count: number } | { error: string } }
  | { status: 'not_found' }
  | { status: 'conflict'; reason: string };

type Bugs = { count: number } | { error: string };

/** Writes overtaken this many times in a row give up with a conflict rather than loop. */
const MAX_TRIES = 5;

/**
 * Merges the posted promotion criteria into the canary's gates and refreshes the open P0/P1 bug
 * count from GitHub (issues carrying a bug label and `release:<tag>`). When GitHub cannot answer the
 * count is left as it was: an unknown count never becomes zero.
 *
 * The write lands on the version it was judged from, with its `canary_gates` entry in the same
 * unit. Overtaken while GitHub answered (another gate, a rollback, the canary finishing), it is
 * judged again on the new version; the bug count is not asked twice. The same idempotency key
 * carried out before (its entry exists) writes nothing again.
 */
export async function updateGates(deps: GatesDeps, id: string, update: GateUpdate, actor: string, idempotencyKey: string): Promise<GatesOutcome> {
  let bugs: Bugs | undefined;
  for (let tries = 1; ; tries++) {
    const read = await deps.canaries.get(id);
    if (!read) return { status: 'not_found' };
    if (!read.ok) return { status: 'conflict', reason: `canary document is invalid: ${read.error}` };
    const canary = read.canary;
    if (isTerminal(canary.status)) return { status: 'conflict', reason: `canary is ${canary.status}` };
    bugs ??= await countBugs(deps, canary.target.repository, canary.release);

    const patch: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(update)) if (value !== undefined) patch[`gates.${key}`] = value;
    if ('count' in bugs) patch['gates.openP0P1Bugs'] = bugs.count;
    const entry = {
      ts: deps.clock.now(),
      action: 'canary_gates',
      actorUid: actor,
      targetId: canary.release,
      meta: { channel: canary.rollout.channel, canary_id: id, gates: { ...update }, ...('count' in bugs ? { open_p0_p1_bugs: bugs.count } : { bugs_error: bugs.error }) },
    };
    try {
      await deps.canaries.update(id, patch, { ifVersion: read.version, audit: [{ entry, idempotencyKey }] });
    } catch (err) {
      if (!isCanaryConflict(err)) throw err;
      if (err.reason === 'missing') return { status: 'not_found' };
      if (err.reason === 'duplicate') return { status: 'updated', gates: canary.gates, bugs };
      if (err.reason === 'changed' && tries < MAX_TRIES) continue;
      return { status: 'conflict', reason: err.message };
    }
    const gates: GateStatus = { ...canary.gates, ...update, ...('count' in bugs ? { openP0P1Bugs: bugs.count } : {}) };
    return { status: 'updated', gates, bugs };
  }
}

async function countBugs(deps: GatesDeps, repository: string | undefined, release: string): Promise<Bugs> {
  const repo = repository ?? deps.defaultRepository;
  if (!deps.github || !repo) return { error: 'no repository known for this canary: bugs not counted' };
  try {
    const ref = parseRepo(repo);
    const counts = await Promise.all(deps.bugLabels.map((label) => deps.github!.countOpenIssues(ref, [label, `release:${release}`])));
    return { count: counts.reduce((a, b) => a + b, 0) };
  } catch (err) {
    return { error: `GitHub could not count bugs: ${(err as Error).message}` };
  }
}
