import { createGuardianPolicyLoader } from '../../../src/app/guardian/policy-loader';
import { regressions } from '../../../src/app/guardian/checks';
import { runGuardianGate, type GuardianRequest } from '../../../src/app/guardian/run-gate';
import type { Canary } from '../../../src/core/canary';
import { PlatformError, type ConfigStore, type GitHubFacts, type ReleaseDiff } from '../../../src/ports';
import { MemoryAuditLog, MemoryCanaryStore } from '../../fakes/memory-store';

const clock = { now: () => 1_700_000_000_000 };

function diff(overrides: Partial<ReleaseDiff> = {}): ReleaseDiff {
  return {
    base: 'v1.0.0',
    head: 'v1.1.0',
    files: ['src/a.ts', 'firestore.rules'],
    filesTruncated: false,
    commitShas: ['a', 'b'],
    pullRequests: [
      { number: 1, title: 'a', author: 'dev', files: ['src/a.ts'], additions: 10, deletions: 2, approvers: ['rev'] },
      { number: 2, title: 'b', author: 'dev', files: ['firestore.rules'], additions: 1, deletions: 1, approvers: ['owner1'] },
    ],
    ...overrides,
  };
}

/** A hand-written GitHubFacts: every answer can be replaced per test. */
function facts(overrides: Partial<GitHubFacts> = {}): GitHubFacts {
  return {
    previousRelease: async () => 'v1.0.0',
    releaseDiff: async () => diff(),
    codeScanningAlerts: async () => [],
    dependabotAlerts: async () => [],
    checkRuns: async () => [{ name: 'benchmarks', status: 'completed', conclusion: 'success', output: 'p95: +3%', url: 'u' }],
    countOpenIssues: async () => 0,
    ...overrides,
  };
}

const config = (doc: unknown): ConfigStore => ({ get: async () => doc });
const ownersPolicy = { checks: { protectedPaths: { owners: ['owner1'] } } };

function setup(github: GitHubFacts, doc: unknown = ownersPolicy) {
  const audit = new MemoryAuditLog();
  const canaries = new MemoryCanaryStore(undefined, audit);
  const deps = { github, canaries, audit, clock, policy: createGuardianPolicyLoader(config(doc), clock) };
  return { deps, canaries, audit };
}

const request: GuardianRequest = {
  release: 'v1.1.0',
  channel: 'beta',
  repository: { owner: 'acme', name: 'app' },
  phase: 'pre-deploy',
  actor: 'ci',
  idempotencyKey: 'k1',
};

const statuses = (checks: { name: string; status: string }[]) => Object.fromEntries(checks.map((c) => [c.name, c.status]));

describe('the guardian gate', () => {
  it('passes when all five checks pass and audits guardian_pass', async () => {
    const { deps, audit } = setup(facts());
    const decision = await runGuardianGate(deps, request);
    expect(decision.outcome).toBe('pass');
    expect(statuses(decision.checks)).toEqual({
      protected_paths: 'pass',
      pr_limits: 'pass',
      security_scan: 'pass',
      performance_benchmarks: 'pass',
      dependency_audit: 'pass',
    });
    expect(audit.entries).toHaveLength(1);
    expect(audit.entries[0]).toMatchObject({ action: 'guardian_pass', actorUid: 'ci', targetId: 'v1.1.0', meta: { channel: 'beta', previous_release: 'v1.0.0' } });
  });

  it('blocks a protected path changed without an owner approval and says which file', async () => {
    const { deps, audit } = setup(facts(), { checks: { protectedPaths: { owners: ['someone-else'] } } });
    const decision = await runGuardianGate(deps, request);
    expect(decision.outcome).toBe('block');
    const check = decision.checks.find((c) => c.name === 'protected_paths')!;
    expect(check.status).toBe('fail');
    expect(check.detail).toContain('firestore.rules');
    expect(check.detail).toContain('someone-else');
    expect(audit.entries[0].action).toBe('guardian_block');
  });

  it('protects the policy file even when the configured globs leave it out', async () => {
    const d = diff({ files: ['functions/src/config/guardian-policy.ts'], pullRequests: [{ number: 3, title: 'x', author: 'dev', files: ['functions/src/config/guardian-policy.ts'], additions: 1, deletions: 1, approvers: ['rev'] }] });
    const { deps } = setup(facts({ releaseDiff: async () => d }), { checks: { protectedPaths: { globs: ['nothing/**'], owners: ['owner1'] } } });
    const decision = await runGuardianGate(deps, request);
    expect(statuses(decision.checks).protected_paths).toBe('fail');
  });

  it('fails PR limits for too many PRs, an oversized PR and an unapproved (or self-approved) PR', async () => {
    const d = diff({
      pullRequests: [
        { number: 1, title: 'big', author: 'dev', files: ['a'], additions: 5000, deletions: 0, approvers: ['rev'] },
        { number: 2, title: 'self', author: 'dev', files: ['b'], additions: 1, deletions: 0, approvers: ['dev'] },
      ],
      files: ['a', 'b'],
    });
    const { deps } = setup(facts({ releaseDiff: async () => d }), { checks: { prLimits: { maxPullRequests: 1 } } });
    const check = (await runGuardianGate(deps, request)).checks.find((c) => c.name === 'pr_limits')!;
    expect(check.status).toBe('fail');
    expect(check.detail).toContain('2 PRs merged since v1.0.0 (limit 1)');
    expect(check.detail).toContain('#1 changes 5000 lines');
    expect(check.detail).toContain('#2 was merged without an approving review');
  });

  it('fails on open code-scanning and Dependabot alerts, naming them', async () => {
    const alert = { number: 7, severity: 'critical' as const, summary: 'lodash: prototype pollution', url: 'u' };
    const { deps } = setup(facts({ codeScanningAlerts: async () => [alert], dependabotAlerts: async () => [alert] }));
    const decision = await runGuardianGate(deps, request);
    expect(statuses(decision.checks)).toMatchObject({ security_scan: 'fail', dependency_audit: 'fail' });
    expect(decision.checks.find((c) => c.name === 'dependency_audit')!.detail).toContain('#7 critical: lodash: prototype pollution');
  });

  it('fails benchmarks that are missing, unsuccessful or regressed past the limit', async () => {
    for (const [runs, expected] of [
      [[], 'no check run named "benchmarks"'],
      [[{ name: 'benchmarks', status: 'completed', conclusion: 'failure', output: '', url: 'u' }], 'concluded failure'],
      [[{ name: 'benchmarks', status: 'in_progress', conclusion: null, output: '', url: 'u' }], 'is in_progress'],
      [[{ name: 'benchmarks', status: 'completed', conclusion: 'success', output: 'render: +25%', url: 'u' }], 'render +25% (limit 10%)'],
    ] as const) {
      const { deps } = setup(facts({ checkRuns: async () => [...runs] }));
      const check = (await runGuardianGate(deps, request)).checks.find((c) => c.name === 'performance_benchmarks')!;
      expect(check.status).toBe('fail');
      expect(check.detail).toContain(expected);
    }
  });

  it('reads benchmark numbers only from "<name>: <n>%" lines', () => {
    expect(regressions('render: +12%\nstartup: -30%\nnote: see 99% of runs\n- bundle size: 11.5%', 10)).toEqual(['render +12% (limit 10%)', 'bundle size +11.5% (limit 10%)']);
  });

  it('turns a GitHub failure into error, which blocks unless the check fails open', async () => {
    const down = async () => {
      throw new PlatformError('github', 'list Dependabot alerts: 502', true, 502);
    };
    const blocked = await runGuardianGate(setup(facts({ dependabotAlerts: down })).deps, request);
    expect(blocked.outcome).toBe('block');
    expect(blocked.checks.find((c) => c.name === 'dependency_audit')).toMatchObject({ status: 'error', detail: expect.stringContaining('502') });
    const open = await runGuardianGate(setup(facts({ dependabotAlerts: down }), { ...ownersPolicy, checks: { ...ownersPolicy.checks, dependencyAudit: { failOpen: true } } }).deps, request);
    expect(open.outcome).toBe('pass');
    expect(open.checks.find((c) => c.name === 'dependency_audit')!.detail).toContain('failOpen');
  });

  it('answers within the deadline when GitHub hangs, marking the hanging checks error and aborting them', async () => {
    let aborted = false;
    const hang: GitHubFacts['codeScanningAlerts'] = (_r, _s, opts) =>
      new Promise((_resolve, reject) => opts?.signal?.addEventListener('abort', () => ((aborted = true), reject(new Error('aborted')))));
    const { deps } = setup(facts({ codeScanningAlerts: hang }), { ...ownersPolicy, deadlineMs: 100 });
    const decision = await runGuardianGate(deps, request);
    expect(decision.checks.find((c) => c.name === 'security_scan')).toMatchObject({ status: 'error', detail: expect.stringContaining('100 ms deadline') });
    expect(statuses(decision.checks).dependency_audit).toBe('pass');
    expect(aborted).toBe(true);
  });

  it('runs the checks side by side, not one after another', async () => {
    let inFlight = 0;
    let most = 0;
    const slow =
      <T>(value: T) =>
      async (): Promise<T> => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 20));
        inFlight -= 1;
        return value;
      };
    const { deps } = setup(
      facts({
        releaseDiff: slow(diff()),
        codeScanningAlerts: slow([]),
        dependabotAlerts: slow([]),
        checkRuns: slow([{ name: 'benchmarks', status: 'completed', conclusion: 'success', output: '', url: 'u' }]),
      }),
    );
    await runGuardianGate(deps, request);
    // The diff is shared by two checks, so four GitHub reads are outstanding at once.
    expect(most).toBe(4);
  });

  it('skips disabled checks and reports an unknown previous release as an error to fix', async () => {
    const { deps } = setup(facts({ releaseDiff: async () => null }), { checks: { benchmarks: { enabled: false } } });
    const decision = await runGuardianGate(deps, request);
    expect(statuses(decision.checks)).toMatchObject({ performance_benchmarks: 'skipped', protected_paths: 'error', pr_limits: 'error' });
    expect(decision.checks.find((c) => c.name === 'pr_limits')!.detail).toContain('send previousRelease');
  });

  it('writes one audit entry when the same request is replayed with the same idempotency key', async () => {
    const { deps, audit } = setup(facts());
    await runGuardianGate(deps, request);
    await runGuardianGate(deps, request);
    expect(audit.entries).toHaveLength(1);
  });

  it('after a deployment, a failing check requests the running canary’s rollback with trigger guardian', async () => {
    const { deps, canaries } = setup(facts({ dependabotAlerts: async () => [{ number: 1, severity: 'high', summary: 's', url: 'u' }] }));
    const canary = { id: 'web__v1.1.0__beta', platform: 'web', release: 'v1.1.0', previousRelease: 'v1.0.0', channel: 'beta', status: 'running', rollout: { channel: 'beta' }, gates: {}, target: {} } as unknown as Canary;
    canaries.docs.set(canary.id, canary);
    const decision = await runGuardianGate(deps, { ...request, phase: 'post-deploy', platform: 'web' });
    expect(decision.rollback).toMatchObject({ status: 'requested', generation: 1, canaryId: 'web__v1.1.0__beta' });
    expect(canaries.docs.get(canary.id)).toMatchObject({ status: 'rollback_requested', rollbackRequest: { trigger: 'guardian', requestedBy: 'ci', reason: expect.stringContaining('dependency_audit') } });
  });

  it('after a deployment, a GitHub outage alone does not roll the canary back', async () => {
    const { deps, canaries } = setup(facts({ dependabotAlerts: async () => Promise.reject(new PlatformError('github', 'down', true, 503)) }));
    const canary = { id: 'web__v1.1.0__beta', platform: 'web', release: 'v1.1.0', previousRelease: 'v1.0.0', channel: 'beta', status: 'running', rollout: { channel: 'beta' }, gates: {}, target: {} } as unknown as Canary;
    canaries.docs.set(canary.id, canary);
    const decision = await runGuardianGate(deps, { ...request, phase: 'post-deploy' });
    expect(decision.outcome).toBe('block');
    expect(decision.rollback).toBeUndefined();
    expect(canaries.docs.get(canary.id)!.status).toBe('running');
    expect(canaries.docs.get(canary.id)!.gates.guardianPassed).toBe(false);
  });
});

describe('the guardian policy loader', () => {
  it('uses the shipped defaults without a document and keeps the last good policy when the document turns invalid', async () => {
    let doc: unknown = null;
    let t = 0;
    const load = createGuardianPolicyLoader({ get: async () => doc }, { now: () => t }, 10);
    expect((await load()).source).toBe('defaults');
    doc = { deadlineMs: 1234 };
    t += 100;
    expect(await load()).toMatchObject({ source: 'stored', policy: { deadlineMs: 1234 } });
    doc = { deadlineMs: 'soon', checks: { prLimits: { maxPullRequests: -1 } } };
    t += 100;
    const bad = await load();
    expect(bad).toMatchObject({ source: 'last_good', policy: { deadlineMs: 1234 } });
    expect(bad.warning).toContain('deadlineMs');
    expect(bad.warning).toContain('checks.prLimits.maxPullRequests');
  });

  it('reads the policy again in the background in the second half of its TTL, never serving one older than the TTL, one read for concurrent callers', async () => {
    const reads: ((doc: unknown) => void)[] = [];
    const store: ConfigStore = { get: () => new Promise((resolve) => reads.push(resolve)) };
    let t = 0;
    const load = createGuardianPolicyLoader(store, { now: () => t }, 1000);
    const first = [load(), load(), load()];
    expect(reads).toHaveLength(1);
    reads[0]({ deadlineMs: 1111 });
    for (const p of first) expect(await p).toMatchObject({ policy: { deadlineMs: 1111 } });

    // Early in its life: served as read, nothing read again.
    t = 400;
    expect(await load()).toMatchObject({ policy: { deadlineMs: 1111 } });
    expect(reads).toHaveLength(1);

    // Second half: still served at once (the read is pending), and one read started behind it.
    t = 600;
    expect(await load()).toMatchObject({ policy: { deadlineMs: 1111 } });
    expect(await load()).toMatchObject({ policy: { deadlineMs: 1111 } });
    expect(reads).toHaveLength(2);
    reads[1]({ deadlineMs: 2222 });
    await new Promise((r) => setImmediate(r));
    expect(await load()).toMatchObject({ policy: { deadlineMs: 2222 } });

    // Past the TTL of the read that started at 600, a gate waits for a fresh read rather than use it.
    t = 1700;
    let settled = false;
    const late = load().then((v) => ((settled = true), v));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    expect(reads).toHaveLength(3);
    reads[2]({ deadlineMs: 3333 });
    expect(await late).toMatchObject({ policy: { deadlineMs: 3333 } });
  });
});
