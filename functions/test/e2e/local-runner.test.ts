import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { sealAuditTrail, verifyAuditTrail } from '../../src/cli/audit-trail';
import { FakeGitHub } from '../fakes/github-releases';
import { installGitHubGuardianRoutes, passingScenario } from '../fakes/github-guardian';
import { FakeHosting } from '../fakes/hosting-server';
import { testFirestore } from '../support/firestore';

const run = promisify(execFile);
const FUNCTIONS_DIR = resolve(__dirname, '../..');
const SCENARIO = resolve(FUNCTIONS_DIR, '../examples/degrading-alpha.json');
const KEY = 'e2e-key-0123456789abcdef';

/** The document's guardian curl, verbatim but for the URL and key; resolves to curl's exit code. */
async function guardianCurl(baseUrl: string): Promise<number> {
  const body = '{\n  "release": "v29.1.0",\n  "channel": "alpha"\n}';
  try {
    await run('curl', ['--fail', '-sS', '-o', '/dev/null', '-X', 'POST', `${baseUrl}/guardian/check`, '-H', `Authorization: Bearer ${KEY}`, '-d', body]);
    return 0;
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
}

async function api(baseUrl: string, path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${baseUrl}${path}`, { ...init, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('the local runner with credentials (nothing stood in), driven from the outside as CI and operators would', () => {
  const store = testFirestore('e2e');
  const github = new FakeGitHub('acme', 'app');
  const hosting = new FakeHosting();
  const repo = passingScenario();
  let runner: ChildProcess;
  let output = '';
  let baseUrl = '';
  let exited: Promise<number | null>;

  beforeAll(async () => {
    installGitHubGuardianRoutes(github.server, repo);
    // The platform team's guardian policy: owner1 may approve changes to protected paths.
    await store.db.doc('config/guardian').set({ checks: { protectedPaths: { owners: ['owner1'] } } });
    // ...and its user count, from which the audit entry estimates the users the canary reached.
    await store.db.doc('config/rollback').set({ usersByPlatform: { web: 100_000 } });
    await Promise.all([github.server.start(), hosting.server.start()]);
    hosting.seed('sites/demo-site/channels/alpha', [
      { version: 'sites/demo-site/versions/good', message: 'v29.0.0' },
      { version: 'sites/demo-site/versions/bad', message: 'v29.1.0' },
    ]);
    runner = spawn(process.execPath, ['lib/cli/run-local.js', SCENARIO, '--no-register', '--exit-when-done'], {
      cwd: FUNCTIONS_DIR,
      env: {
        ...process.env,
        GCLOUD_PROJECT: store.projectId,
        PORT: '0',
        LOCAL_TICK_MS: '250',
        LOCAL_MAX_RUN_MS: '240000',
        LOCAL_API_KEY: KEY,
        GITHUB_TOKEN: 'e2e-github-token',
        GITHUB_API_URL: github.server.url,
        DEFAULT_REPOSITORY: 'acme/app',
        GOOGLE_ACCESS_TOKEN: 'e2e-google-token',
        HOSTING_ROOT_URL: `${hosting.server.url}/`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exited = new Promise((done) => runner.on('exit', (code) => done(code)));
    runner.stdout!.on('data', (d) => (output += d));
    runner.stderr!.on('data', (d) => (output += d));
    const deadline = Date.now() + 30_000;
    while (!/API listening on (\S+)/.test(output)) {
      if (Date.now() > deadline || runner.exitCode !== null) throw new Error(`runner did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    baseUrl = /API listening on (\S+)/.exec(output)![1];
  }, 40_000);

  afterAll(async () => {
    if (runner.exitCode === null) runner.kill('SIGINT');
    await exited;
    await Promise.all([github.server.stop(), hosting.server.stop()]);
    await store.close();
  });

  it('gates, registers, detects the regression, rolls back once on every step and leaves a verifiable audit trail', async () => {
    // 1. The source document's guardian curl: passes on a clean repository...
    expect(await guardianCurl(baseUrl)).toBe(0);
    // ...and stops `curl --fail` once a critical Dependabot alert is open (curl exits 22 on HTTP >= 400).
    repo.dependabot.push({ number: 9, severity: 'critical', pkg: 'openssl', summary: 'remote code execution' });
    expect(await guardianCurl(baseUrl)).toBe(22);
    repo.dependabot.pop();

    // 2. CI registers the release right after deploying it.
    const registered = await api(baseUrl, '/canaries', {
      method: 'POST',
      body: JSON.stringify({
        platform: 'web',
        release: 'v29.1.0',
        previousRelease: 'v29.0.0',
        channel: 'alpha',
        target: { repository: 'acme/app', hostingSite: 'demo-site', hostingChannel: 'alpha' },
      }),
    });
    expect(registered.status).toBe(201);
    const id = registered.body.id as string;

    // 3. The scenario degrades mid-run; the runner exits once the story is over.
    expect(await exited).toBe(0);
    const canary = (await store.db.doc(`canaries/${id}`).get()).data()!;
    expect(canary.status).toBe('rolled_back');
    expect(output).toMatch(/RED rollback/);
    // The evaluator then confirmed the restored population (the previous release) is healthy.
    expect(canary.incident.recoveredAt).toEqual(expect.any(Number));
    expect(output).toMatch(/recovery watch: recovered/);

    // 4. Exactly one dispatch, carrying the document's payload and a rollback id.
    const dispatches = github.server.calls('POST', '/repos/acme/app/dispatches');
    expect(dispatches).toHaveLength(1);
    const dispatch = dispatches[0].body as { event_type: string; client_payload: Record<string, unknown> };
    expect(dispatch.event_type).toBe('auto-rollback');
    expect(dispatch.client_payload).toMatchObject({ version: 'v29.1.0', rollback_id: expect.any(String), timestamp: expect.any(Number) });
    expect(dispatch.client_payload.reason).toMatch(/^Error rate \d+(\.\d+)?% \(threshold 5%\)/);

    // 5. The web step released the good version once, and the channel serves it.
    expect(hosting.creates()).toHaveLength(1);
    expect(hosting.current('sites/demo-site/channels/alpha')).toBe('sites/demo-site/versions/good');

    // 6. The audit trail holds the entries in the document's shape, and its seal verifies.
    const entries = (await store.db.collection('admin_audit').get()).docs.map((d) => d.data());
    const actions = entries.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['guardian_pass', 'guardian_block', 'auto_rollback', 'rollback_completed', 'rollback_recovered']));
    const rollback = entries.filter((e) => e.action === 'auto_rollback');
    expect(rollback).toHaveLength(1);
    expect(rollback[0]).toMatchObject({
      ts: expect.any(Number),
      actorUid: 'system',
      targetId: 'v29.1.0',
      meta: expect.objectContaining({
        channel: 'alpha',
        reason: dispatch.client_payload.reason,
        rollback_to: 'v29.0.0',
        duration_minutes: expect.any(Number),
        trigger: 'auto-policy',
      }),
    });
    // The canary's installs that reported telemetry (21 of the runner's 200 simulated installs), not
    // the estimate from config/rollback's 100,000 web users: counted users win over an estimate.
    expect(rollback[0].meta).toMatchObject({ affected_users: 21, affected_users_source: 'telemetry_installs' });
    expect(output).toMatch(/\d+ reports from \d+ installs accepted/);
    await sealAuditTrail(store.db, Date.now(), { lagMs: 0 });
    const report = await verifyAuditTrail(store.db);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(output).toMatch(/audit trail intact/);
  }, 300_000);
});
