import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteApp, initializeApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import { FakeHttpServer } from '../fakes/http-fake';
import { installGitHubGuardianRoutes, passingScenario } from '../fakes/github-guardian';
import { EMULATOR_PROJECT, runInFunctionsEmulator } from '../support/functions-emulator';

const KEY = 'emulator-key-0123456789';

describe('the deployable entry point in the real firebase-tools Functions emulator', () => {
  const github = new FakeHttpServer();
  const app = initializeApp({ projectId: EMULATOR_PROJECT }, 'functions-emulator-test');
  const db = getFirestore(app);
  const out = mkdtempSync(join(tmpdir(), 'cg-emulator-out-'));
  let run: Awaited<ReturnType<typeof runInFunctionsEmulator>>;

  beforeAll(async () => {
    installGitHubGuardianRoutes(github, passingScenario());
    await github.start();
    await db.doc('config/guardian').set({ checks: { protectedPaths: { owners: ['owner1'] } } });
    // The source document's calls, verbatim but for URL and key: curl -d sends form-encoded JSON.
    const curl = (name: string, args: string) =>
      `curl -sS -o ${out}/${name}.json -w '%{http_code}' ${args} > ${out}/${name}.status || echo curl-failed > ${out}/${name}.status`;
    run = await runInFunctionsEmulator({
      secrets: {
        API_KEYS: JSON.stringify({ ci: KEY }),
        GITHUB_TOKEN: 'emulator-github-token',
        SLACK_WEBHOOK_URL: 'unused',
        GOOGLE_CHAT_WEBHOOK_URL: 'unused',
        NOTIFY_WEBHOOK_SECRET: 'unused',
      },
      params: { GITHUB_API_URL: github.url, DEFAULT_REPOSITORY: 'acme/app' },
      script: [
        curl('guardian', `-X POST "$FUNCTIONS_URL/api/guardian/check" -H "Authorization: Bearer ${KEY}" -d '{"release": "v29.1.0", "channel": "alpha"}'`),
        curl('audit', `-X POST "$FUNCTIONS_URL/api/audit" -H "Authorization: Bearer ${KEY}" -d '{"action": "auto_rollback", "reason": "Error rate 8% (threshold 5%)", "version": "v28R.1"}'`),
        curl('unauthenticated', `-X POST "$FUNCTIONS_URL/api/audit" -d '{"action": "auto_rollback"}'`),
        curl('unknown', `-H "Authorization: Bearer ${KEY}" "$FUNCTIONS_URL/api/nowhere"`),
      ].join('\n'),
    });
  }, 240_000); // firebase-tools, then the entry point's load, twice: a minute or more on a loaded machine

  afterAll(async () => {
    await github.stop();
    await deleteApp(app);
    rmSync(out, { recursive: true, force: true });
  });

  const result = (name: string) => ({
    status: readFileSync(join(out, `${name}.status`), 'utf8').trim(),
    body: JSON.parse(readFileSync(join(out, `${name}.json`), 'utf8')) as Record<string, unknown>,
  });

  it('loads every exported function from the built entry and serves the api function', () => {
    expect(run.exitCode).toBe(0);
    for (const name of ['api', 'evaluateCanaries', 'canaryRollbackTrigger', 'sealAuditJob', 'reconcileRollbacksJob', 'notificationOutboxTrigger', 'notificationSweepJob']) {
      expect(run.output).toContain(name);
    }
    expect(run.output).toMatch(/http function initialized \(http:\/\/127\.0\.0\.1:\d+\/demo-canary-guardian\/us-central1\/api\)/);
  });

  it('answers the document guardian curl with a pass and writes the decision to admin_audit', async () => {
    const guardian = result('guardian');
    expect(guardian.status).toBe('200');
    expect(guardian.body).toMatchObject({ outcome: 'pass', release: 'v29.1.0', channel: 'alpha' });
    const entries = await db.collection('admin_audit').where('action', '==', 'guardian_pass').get();
    expect(entries.docs.map((d) => d.data())).toEqual(
      expect.arrayContaining([expect.objectContaining({ actorUid: 'ci', targetId: 'v29.1.0' })]),
    );
  });

  it('appends the document audit payload through the function into Firestore', async () => {
    const audit = result('audit');
    expect(audit.status).toBe('201');
    const stored = await db.collection('admin_audit').doc(String(audit.body.id)).get();
    expect(stored.data()).toMatchObject({ action: 'auto_rollback', actorUid: 'ci', targetId: 'v28R.1', meta: { reason: 'Error rate 8% (threshold 5%)' } });
  });

  it('refuses an unauthenticated call with 401 and an unknown route with 404, both as JSON', () => {
    expect(result('unauthenticated')).toMatchObject({ status: '401', body: { error: expect.any(String) } });
    expect(result('unknown')).toMatchObject({ status: '404', body: { error: expect.any(String) } });
  });
});
