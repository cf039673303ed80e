import { initializeApp, deleteApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import { createFirestoreIngestKeyStore } from '../../src/adapters/firestore';
import { createKeyLookup, ingestKeyId } from '../../src/app/telemetry/keys';
import { main } from '../../src/cli/telemetry-key';

describe('npm run telemetry:key', () => {
  const project = `demo-telkey-${Date.now().toString(36)}`;
  const run = async (...args: string[]) => {
    const lines: string[] = [];
    const code = await main([...args, '--project', project], (l) => lines.push(l));
    return { code, lines };
  };

  it('creates a key, prints it once, lists it without the key, and a revoked key is no longer accepted', async () => {
    const created = await run('create', '--app', 'shop web', '--platforms', 'web,desktop', '--origins', 'https://shop.example,http://localhost:5173', '--app-check');
    expect(created.code).toBe(0);
    const key = created.lines.find((l) => l.startsWith('key: '))!.slice(5);
    expect(key).toMatch(/^cgt_[A-Za-z0-9_-]{32}$/);
    expect(created.lines.filter((l) => l.includes(key))).toHaveLength(1);
    const app = initializeApp({ projectId: project }, `${project}-check`);
    // Firestore keeps the key's hash as the document id, never the key itself.
    const stored = await getFirestore(app).collection('telemetry_keys').get();
    expect(stored.docs.map((d) => d.id)).toEqual([ingestKeyId(key)]);
    expect(JSON.stringify(stored.docs.map((d) => d.data()))).not.toContain(key);
    const store = createFirestoreIngestKeyStore(getFirestore(app));
    const lookup = createKeyLookup(store, { now: () => 0 }, 0);
    expect(await lookup(key)).toMatchObject({ app: 'shop web', platforms: ['web', 'desktop'], origins: ['https://shop.example', 'http://localhost:5173'], appCheck: true, revoked: false });

    const listed = await run('list');
    expect(listed.lines.join('\n')).toContain(ingestKeyId(key));
    expect(listed.lines.join('\n')).not.toContain(key);

    expect((await run('revoke', ingestKeyId(key))).code).toBe(0);
    expect(await lookup(key)).toBeNull();
    expect((await run('list')).lines.join('\n')).toContain('REVOKED');
    await deleteApp(app);
  });

  it('refuses bad arguments with exit code 2 and writes nothing', async () => {
    const before = (await run('list')).lines.length;
    expect((await run('create', '--app', 'x', '--platforms', 'web', '--sample-rate', '0')).code).toBe(2);
    expect((await run('create', '--app', 'x', '--platforms', 'web', '--sample-rate', '1.5')).code).toBe(2);
    expect((await run('create', '--app', 'x', '--platforms', 'web', '--reports-per-minute', '-3')).code).toBe(2);
    expect((await run('create', '--app', '../x', '--platforms', 'web')).code).toBe(2);
    expect((await run('create', '--app', 'x', '--platforms', 'tv')).code).toBe(2);
    expect((await run('create', '--app', 'x', '--platforms', 'web', '--origins', 'https://a.example/path')).code).toBe(2);
    expect((await run('revoke', '../x')).code).toBe(2);
    expect((await run('frobnicate')).code).toBe(2);
    expect((await run('revoke', '0'.repeat(32))).code).toBe(1);
    expect((await run('list')).lines).toHaveLength(before);
  });
});
