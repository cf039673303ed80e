import { createFirestoreIncidentStore } from '../../src/adapters/firestore';
import { handleRollback } from '../../src/app/rollback/handle';
import { defaultPolicy } from '../../src/config/default-policy';
import { rollbackHarness, type RollbackHarness } from '../app/rollback/harness';
import { call, KEYS, startTestApi, type TestApi } from './harness';

let h: RollbackHarness;
let api: TestApi;
beforeAll(async () => {
  h = await rollbackHarness('incidents-route');
  h.seedPlatforms();
  h.deps.incidents = { store: createFirestoreIncidentStore(h.db), policy: async () => defaultPolicy };
  for (const [platform, channel] of [['web', 'stable'], ['desktop', 'beta']] as const) {
    const c = await h.seed(platform, { release: 'v28R.1', previousRelease: 'v28R.0', channel });
    await h.request(c.id);
    await handleRollback(h.deps, c.id, 'test');
    h.clock.advance(60_000);
  }
  api = await startTestApi({ incidents: h.deps.incidents.store });
});
afterAll(async () => {
  await api.close();
  await h.close();
});

const get = (path: string) => call(api.url, 'GET', path, { token: KEYS.ci });

describe('incident reports over HTTP', () => {
  test('GET /incidents lists reports newest decision first, filtered by channel and time', async () => {
    const all = await get('/incidents');
    expect(all.status).toBe(200);
    expect((all.json.incidents as { id: string }[]).map((i) => i.id)).toEqual(['desktop__v28R.1__beta__g1', 'web__v28R.1__stable__g1']);
    const beta = await get('/incidents?channel=beta');
    expect((beta.json.incidents as { id: string }[]).map((i) => i.id)).toEqual(['desktop__v28R.1__beta__g1']);
    expect(((await get(`/incidents?since=${h.clock.now() + 1}`)).json.incidents as unknown[]).length).toBe(0);
  });

  test('GET /incidents/{id} shows one report; a bad id is a 400, an unknown one a 404', async () => {
    const one = await get('/incidents/web__v28R.1__stable__g1');
    expect(one.status).toBe(200);
    expect(one.json.incident).toMatchObject({ id: 'web__v28R.1__stable__g1', outcome: 'rolled_back', rollbackTo: 'v28R.0', platform: 'web' });
    expect((await get('/incidents/web__v9__stable__g1')).status).toBe(404);
    const bad = await get('/incidents/..%2Fcanaries');
    expect(bad.status).toBe(400);
    expect((await get('/incidents?limit=0')).status).toBe(400);
  });
});
