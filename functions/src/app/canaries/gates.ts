import { isTerminal, type GateStatus } from '../../core/canary';
import { parseRepo, type AuditLog, type CanaryStore, type Clock, type GitHubFacts } from '../../ports';

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

/**
 * Merges the posted promotion criteria into the canary's gates and refreshes the open P0/P1 bug
 * count from GitHub (issues carrying a bug label and `release:<tag>`). When GitHub cannot answer the
 * count is left as it was: an unknown count never becomes zero.
 */
export async function updateGates(deps: GatesDeps, id: string, update: GateUpdate, actor: string, idempotencyKey: string): Promise<GatesOutcome> {
  const read = await deps.canaries.get(id);
  if (!read) return { status: 'not_found' };
  if (!read.ok) return { status: 'conflict', reason: `canary document is invalid: ${read.error}` };
  const canary = read.canary;
  if (isTerminal(canary.status)) return { status: 'conflict', reason: `canary is ${canary.status}` };

  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(update)) if (value !== undefined) patch[`gates.${key}`] = value;
  let bugs: { count: number } | { error: string };
  const repository = canary.target.repository ?? deps.defaultRepository;
  if (!deps.github || !repository) {
    bugs = { error: 'no repository known for this canary: bugs not counted' };
  } else {
    try {
      const repo = parseRepo(repository);
      const counts = await Promise.all(deps.bugLabels.map((label) => deps.github!.countOpenIssues(repo, [label, `release:${canary.release}`])));
      bugs = { count: counts.reduce((a, b) => a + b, 0) };
      patch['gates.openP0P1Bugs'] = bugs.count;
    } catch (err) {
      bugs = { error: `GitHub could not count bugs: ${(err as Error).message}` };
    }
  }
  await deps.canaries.update(id, patch);
  const gates: GateStatus = { ...canary.gates, ...update, ...('count' in bugs ? { openP0P1Bugs: bugs.count } : {}) };
  await deps.audit.append(
    {
      ts: deps.clock.now(),
      action: 'canary_gates',
      actorUid: actor,
      targetId: canary.release,
      meta: { channel: canary.rollout.channel, canary_id: id, gates: { ...update }, ...('count' in bugs ? { open_p0_p1_bugs: bugs.count } : { bugs_error: bugs.error }) },
    },
    idempotencyKey,
  );
  return { status: 'updated', gates, bugs };
}
