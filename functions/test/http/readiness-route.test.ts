import { rollbackHarness, type RollbackHarness } from '../app/rollback/harness';
import { call, KEYS, startTestApi, type TestApi } from './harness';

let h: RollbackHarness;
let api: TestApi;
beforeAll(async () => {
  h = await rollbackHarness('readiness-route');
});
afterAll(() => h.close());
beforeEach(async () => {
  h.seedPlatforms();
  h.github.access = { push: true, private: true, scopes: 'repo' };
  api = await startTestApi({ rollbackActuators: async () => h.deps.actuators });
});
afterEach(() => api.close());

const post = (path: string, body?: unknown) => call(api.url, 'POST', path, { token: KEYS.ci, ...(body !== undefined ? { body } : {}) });
const desktop = { platform: 'desktop', release: 'v28R.1', previousRelease: 'v28R.0', channel: 'alpha', target: { repository: 'acme/app' } };

describe('rollback readiness over HTTP', () => {
  it('checks at registration: the answer, the stored canary and the audit trail carry the result', async () => {
    const reply = await post('/canaries', desktop);
    expect(reply.status).toBe(201);
    expect(reply.json.readiness).toMatchObject({ ready: true, rollbackTo: 'v28R.0', missing: [] });
    expect(api.canaries.docs.get('desktop__v28R.1__alpha')!.readiness).toMatchObject({ ready: true });
    expect(api.audit.entries.map((e) => e.action)).toEqual(['canary_registered', 'rollback_readiness']);
    expect(api.audit.entries[0]!.meta.rollback_ready).toBe(true);
  });

  it('registers a canary whose rollback cannot run, flagged with the missing permission', async () => {
    h.github.access = { push: false, private: true, scopes: 'repo' };
    const reply = await post('/canaries', desktop);
    expect(reply.status).toBe(201);
    expect(reply.json.readiness).toMatchObject({ ready: false, missing: ['contents: write (push) on acme/app'] });
    expect((reply.json.canary as { readiness: unknown }).readiness).toMatchObject({ ready: false, failed: ['dispatch: repository write', 'github_release: repository write'] });
    expect(api.audit.entries[0]!.meta).toMatchObject({ rollback_ready: false, rollback_missing: ['contents: write (push) on acme/app'] });
  });

  it('runs on demand with POST /canaries/{id}/readiness and updates the flag once the permission is granted', async () => {
    h.github.access = { push: false, private: true, scopes: 'repo' };
    await post('/canaries', desktop);
    h.github.access = { push: true, private: true, scopes: 'repo' };
    const reply = await post('/canaries/desktop__v28R.1__alpha/readiness');
    expect(reply.status).toBe(200);
    expect(reply.json.readiness).toMatchObject({ ready: true, missing: [] });
    expect(api.canaries.docs.get('desktop__v28R.1__alpha')!.readiness).toMatchObject({ ready: true });
    expect(api.audit.entries.filter((e) => e.action === 'rollback_readiness').map((e) => e.meta.trigger)).toEqual(['registration', 'on_demand']);
    expect((await post('/canaries/desktop__v9__alpha/readiness')).status).toBe(404);
    expect((await post('/canaries/..%2Fx/readiness')).status).toBe(400);
  });

  it('answers 503 where no rollback steps are configured to check', async () => {
    const bare = await startTestApi();
    try {
      const reply = await call(bare.url, 'POST', '/canaries/desktop__v28R.1__alpha/readiness', { token: KEYS.ci });
      expect(reply.status).toBe(503);
      expect(reply.json.error).toBe('not_configured');
    } finally {
      await bare.close();
    }
  });
});
