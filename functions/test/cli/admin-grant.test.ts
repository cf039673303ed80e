import { deleteApp, getApps } from 'firebase-admin/app';
import { main } from '../../src/cli/admin-grant';
import { FakeIdentityToolkit } from '../fakes/identity-toolkit';

const PROJECT = 'demo-admin-grant';

/** The command through the real firebase-admin, against a fake Identity Toolkit on 127.0.0.1 (the Auth emulator's protocol). */
describe('npm run admin:grant', () => {
  const toolkit = new FakeIdentityToolkit(PROJECT);
  const saved = process.env.FIREBASE_AUTH_EMULATOR_HOST;
  const run = async (...args: string[]) => {
    const lines: string[] = [];
    const code = await main([...args, '--project', PROJECT], (l) => lines.push(l));
    return { code, text: lines.join('\n') };
  };
  // The fake's request log spans the file: each test counts what it added.
  let seen = 0;
  const updates = () => toolkit.http.calls('POST', /accounts:update$/).slice(seen);

  beforeAll(async () => {
    await toolkit.start();
    process.env.FIREBASE_AUTH_EMULATOR_HOST = toolkit.host;
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.FIREBASE_AUTH_EMULATOR_HOST;
    else process.env.FIREBASE_AUTH_EMULATOR_HOST = saved;
    await Promise.all(getApps().map((a) => deleteApp(a)));
    await toolkit.stop();
  });
  beforeEach(() => {
    toolkit.accounts.clear();
    seen = toolkit.http.calls('POST', /accounts:update$/).length;
  });

  it('grants the admin claim by e-mail and keeps the account’s other claims', async () => {
    toolkit.add({ localId: 'uid-ops', email: 'ops@example.com', customAttributes: JSON.stringify({ team: 'release', tier: 2 }) });
    const granted = await run('--email', 'ops@example.com');
    expect(granted.code).toBe(0);
    expect(granted.text).toContain('granted the admin claim to ops@example.com (uid uid-ops)');
    expect(toolkit.claims('uid-ops')).toEqual({ team: 'release', tier: 2, admin: true });
    expect(updates()).toHaveLength(1);
    expect(updates()[0]!.body).toMatchObject({ localId: 'uid-ops' });
    expect(updates()[0]!.headers.authorization).toBe('Bearer owner');
  });

  it('grants by uid, and a second grant changes nothing', async () => {
    toolkit.add({ localId: 'uid-2', email: 'two@example.com' });
    expect((await run('--uid', 'uid-2')).code).toBe(0);
    expect(toolkit.claims('uid-2')).toEqual({ admin: true });
    const again = await run('--uid', 'uid-2');
    expect(again.code).toBe(0);
    expect(again.text).toContain('already has the admin claim; nothing changed');
    expect(updates()).toHaveLength(1);
  });

  it('revokes the admin claim and keeps the others', async () => {
    toolkit.add({ localId: 'uid-3', email: 'three@example.com', customAttributes: JSON.stringify({ admin: true, team: 'sre' }) });
    const revoked = await run('--email', 'three@example.com', '--revoke');
    expect(revoked.code).toBe(0);
    expect(revoked.text).toContain('revoked the admin claim from three@example.com');
    expect(toolkit.claims('uid-3')).toEqual({ team: 'sre' });
    const again = await run('--email', 'three@example.com', '--revoke');
    expect(again.text).toContain('has no admin claim; nothing changed');
  });

  it('says so when the account does not exist, and writes nothing', async () => {
    const missing = await run('--email', 'nobody@example.com');
    expect(missing.code).toBe(1);
    expect(missing.text).toContain('no account nobody@example.com in project demo-admin-grant');
    expect(updates()).toHaveLength(0);
  });

  it('refuses bad arguments with the usage and exit code 2, before any request', async () => {
    const before = toolkit.http.calls('POST', /accounts:/).length;
    for (const args of [[], ['--email', 'a@b.example', '--uid', 'u'], ['--email'], ['--email', '--revoke'], ['--email', 'not-an-address'], ['--uid', 'has space'], ['--admin']]) {
      const r = await run(...args);
      expect(r.code).toBe(2);
      expect(r.text).toMatch(/--email|--uid|unknown argument/);
    }
    const hostile = await run('--email', '\u001b[31mx@y\u001b[0m\u202e');
    expect(hostile.code).toBe(2);
    expect(hostile.text).not.toMatch(/[\u001b\u202e]/);
    expect(toolkit.http.calls('POST', /accounts:/)).toHaveLength(before);
  });
});
