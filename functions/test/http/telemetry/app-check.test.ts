import { testFirestore } from '../../support/firestore';
import { addKey, report, startIngest, TestClock } from './harness';

describe('App Check on keys that require it', () => {
  const fs = testFirestore('tel-appcheck');
  afterAll(() => fs.close());

  it('answers 403 without a token or with a token the verifier rejects, and 202 with a valid one', async () => {
    const seen: string[] = [];
    // The production verifier is getAppCheck().verifyToken; here one that knows a single good token.
    const verifyAppCheck = (token: string) => (seen.push(token), token === 'good-token' ? Promise.resolve({ appId: '1:123:web:abc' }) : Promise.reject(new Error('invalid')));
    const api = await startIngest(fs.db, new TestClock(), { verifyAppCheck });
    const { key } = await addKey(fs.db, { appCheck: true });
    const missing = await api.post(report(key, {}, 'install-ac-1'));
    expect([missing.status, String(missing.json.error)]).toEqual([403, expect.stringMatching(/App Check/)]);
    const bad = await api.post(report(key, {}, 'install-ac-2'), { headers: { 'x-firebase-appcheck': 'forged' } });
    expect(bad.status).toBe(403);
    const good = await api.post(report(key, {}, 'install-ac-3'), { headers: { 'x-firebase-appcheck': 'good-token' } });
    expect(good.status).toBe(202);
    expect(seen).toEqual(['forged', 'good-token']);
    const { key: open } = await addKey(fs.db, { appCheck: false });
    expect((await api.post(report(open, {}, 'install-ac-4'))).status).toBe(202);
    await api.close();
  });
});
