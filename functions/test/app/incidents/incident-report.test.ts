import type { Octokit } from '@octokit/rest';
import { createFirestoreIncidentStore } from '../../../src/adapters/firestore';
import { createGitHubClient } from '../../../src/adapters/github/client';
import { createGitHubIncidentIssues } from '../../../src/adapters/github/incident-issue';
import { writeIncidentReport } from '../../../src/app/incidents/write-report';
import { handleRollback } from '../../../src/app/rollback/handle';
import { defaultPolicy } from '../../../src/config/default-policy';
import type { IncidentReport } from '../../../src/ports';
import { sampleEvaluation, T0 } from '../../adapters/firestore/sample-canary';
import { rollbackHarness, type RollbackHarness } from '../rollback/harness';

let h: RollbackHarness;
beforeEach(async () => {
  h = await rollbackHarness('incidents');
  h.seedPlatforms();
  let octokit: Promise<Octokit> | undefined;
  const github = () => (octokit ??= createGitHubClient({ token: 'test', baseUrl: h.github.server.url, retry: { enabled: false }, maxRateLimitWaitMs: 0, throttle: { enabled: false } }));
  h.deps.incidents = {
    store: createFirestoreIncidentStore(h.db),
    issues: createGitHubIncidentIssues({ github, clock: h.clock }),
    policy: async () => defaultPolicy,
    githubWebUrl: 'https://github.com',
  };
  h.deps.settings.usersByPlatform = { desktop: 50_000 };
});
afterEach(async () => h.close());

const report = async (id: string) => (await h.deps.incidents!.store.get(id)) as IncidentReport;

describe('incident report after every rollback', () => {
  test('writes incidents/{id} with the timeline, the metrics at the decision and their confidence, affected users, steps and links', async () => {
    const c = await h.seed('desktop', { release: 'v28R.1', previousRelease: 'v28R.0' });
    // The evaluation that decided it, and the pause the first red window caused.
    await h.canaries.recordEvaluation(c.id, 'tick-1', sampleEvaluation(h.clock.now() - 60_000, { decision: 'rollback', at: h.clock.now() - 60_000 }));
    await h.audit.append({ ts: T0 + 1800_000 + 60_000, action: 'canary_pause', actorUid: 'system', targetId: 'v28R.1', meta: { canaryId: c.id } }, 'pause-1');
    await h.request(c.id);
    h.clock.advance(90_000);
    expect(await handleRollback(h.deps, c.id, 'test')).toBe('rolled_back');

    const r = await report(`${c.id}__g1`);
    expect(r).toMatchObject({ outcome: 'rolled_back', release: 'v28R.1', rollbackTo: 'v28R.0', trigger: 'auto-policy', channel: 'stable', affectedUsers: 5_000, rolloutPercent: 10 });
    expect(r.timeline.onset).toEqual({ at: T0 + 1800_000, source: 'first red window (evaluator)' });
    expect(r.timeline.detected).toEqual({ at: T0 + 1800_000 + 60_000, source: 'canary_pause' });
    expect(r.timeline.restored.at).toBe(h.clock.now());
    expect(r.timeline.recovered).toEqual({ at: null, source: 'not yet confirmed' });
    expect(r.durations.time_to_detect_minutes).toBe(1);
    expect(r.decision).toMatchObject({ verdict: 'red', confidence: { red: 0.999, green: 0.95 } });
    expect(r.decision!.metrics.find((m) => m.metric === 'error_rate')).toEqual({ metric: 'error_rate', status: 'red', canary: 0.08, baseline: 0.01, threshold: 0.05 });
    expect(r.steps.map((s) => [s.step, s.status])).toEqual([
      ['dispatch', 'done'],
      ['github_release', 'done'],
    ]);
    expect(r.trail.map((e) => e.action)).toEqual(expect.arrayContaining(['canary_pause', 'auto_rollback', 'rollback_completed']));
    expect(r.links).toEqual(expect.arrayContaining([{ label: 'release v28R.1', url: 'https://github.com/acme/app/releases/tag/v28R.1' }]));
    const [entry] = await h.audit.list({ action: 'incident_report' });
    expect(entry).toMatchObject({ targetId: 'v28R.1', meta: { incident_id: `${c.id}__g1`, link: `/incidents/${c.id}__g1` } });
  });

  test('opens the report as one GitHub issue in the release’s repository, however often the finish is replayed', async () => {
    const c = await h.seed('desktop', { release: 'v28R.1', previousRelease: 'v28R.0' });
    await h.request(c.id, 'manual', 'Critical bug in auth flow');
    expect(await handleRollback(h.deps, c.id, 'test')).toBe('rolled_back');
    const key = { canaryId: c.id, generation: 1 };
    await Promise.all([writeIncidentReport({ ...h.deps, incidents: h.deps.incidents! }, key, 'rolled_back'), writeIncidentReport({ ...h.deps, incidents: h.deps.incidents! }, key, 'rolled_back')]);
    expect(h.github.issues).toHaveLength(1);
    const [issue] = h.github.issues;
    expect(issue!.title).toBe('Incident: desktop v28R.1 rolled back on stable');
    expect(issue!.labels).toEqual(['incident', 'canary-rollback']);
    expect(issue!.body).toContain('Reason: `Critical bug in auth flow`');
    expect(issue!.body).toContain('No evaluation led to this rollback');
    const r = await report(`${c.id}__g1`);
    expect(r).toMatchObject({ trigger: 'manual', requestedBy: 'ops-key', decision: null, githubIssue: { number: 1, url: 'https://github.com/acme/app/issues/1' } });
    expect((await h.audit.list({ action: 'incident_issue_opened' })).length).toBe(1);
    expect((await h.audit.list({ action: 'incident_report' })).length).toBe(1);
  });

  test('reports a failed rollback too, with the failing step and its error', async () => {
    h.github.server.on('POST', '/repos/acme/app/dispatches', { status: 404, body: { message: 'Not Found' } });
    const c = await h.seed('desktop', { release: 'v28R.1', previousRelease: 'v28R.0' });
    await h.request(c.id);
    expect(await handleRollback(h.deps, c.id, 'test')).toBe('rollback_failed');
    const r = await report(`${c.id}__g1`);
    expect(r.outcome).toBe('rollback_failed');
    expect(r.timeline.restored).toEqual({ at: null, source: 'not restored' });
    expect(r.steps.find((s) => s.step === 'dispatch')).toMatchObject({ status: 'failed', error: expect.stringContaining('404') as unknown });
    expect(h.github.issues[0]!.title).toContain('(rollback failed)');
  });

  test('keeps the report when GitHub refuses the issue, and says so once in the trail without trying again', async () => {
    h.github.server.on('POST', '/repos/acme/app/issues', { status: 403, body: { message: 'Resource not accessible by integration' } });
    const c = await h.seed('desktop', { release: 'v28R.1', previousRelease: 'v28R.0' });
    await h.request(c.id);
    expect(await handleRollback(h.deps, c.id, 'test')).toBe('rolled_back');
    await writeIncidentReport({ ...h.deps, incidents: h.deps.incidents! }, { canaryId: c.id, generation: 1 }, 'rolled_back');
    expect(h.github.server.calls('POST', '/repos/acme/app/issues')).toHaveLength(1);
    expect((await report(`${c.id}__g1`)).githubIssue).toBeNull();
    const failed = await h.audit.list({ action: 'incident_issue_failed' });
    expect(failed).toHaveLength(1);
    expect(String(failed[0]!.meta.error)).toContain('Resource not accessible');
  });

  test('stores the report without an issue where no GitHub token is configured', async () => {
    delete h.deps.incidents!.issues;
    const c = await h.seed('web', { release: 'v28R.1', previousRelease: 'v28R.0' });
    await h.request(c.id);
    expect(await handleRollback(h.deps, c.id, 'test')).toBe('rolled_back');
    expect((await report(`${c.id}__g1`)).githubIssue).toBeNull();
    expect(h.github.issues).toEqual([]);
  });

  test('never puts raw markdown, mentions or line breaks from a reason into the issue', async () => {
    const c = await h.seed('desktop', { release: 'v28R.1', previousRelease: 'v28R.0' });
    await h.request(c.id, 'manual', 'see `x` @team [link](http://evil)');
    await handleRollback(h.deps, c.id, 'test');
    expect(h.github.issues[0]!.body).toContain("Reason: `see 'x' @team [link](http://evil)`");
  });
});
