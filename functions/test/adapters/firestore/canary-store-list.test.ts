import { Timestamp } from 'firebase-admin/firestore';
import { createFirestoreCanaryStore } from '../../../src/adapters/firestore/canary-store';
import type { CanaryRead } from '../../../src/ports/canary-store';
import { testFirestore } from '../../support/firestore';
import { sampleCanary, T0 } from './sample-canary';

const { db, close } = testFirestore('canary-list');
const store = createFirestoreCanaryStore(db);
afterAll(close);

const ids = (reads: CanaryRead[]) => reads.map((r) => (r.ok ? r.canary.id : `!${r.id}`));
const newestFirst = ['mobile-b', 'web-b', 'mobile-a', 'desktop-a', 'web-a', '!web-broken'];
const order = (id: string) => newestFirst.indexOf(id);

beforeAll(async () => {
  const rows = [
    { id: 'web-a', platform: 'web', status: 'running', updatedAt: T0 + 1 },
    { id: 'web-b', platform: 'web', status: 'paused', updatedAt: T0 + 4 },
    { id: 'mobile-a', platform: 'mobile', status: 'running', updatedAt: T0 + 3 },
    { id: 'desktop-a', platform: 'desktop', status: 'completed', updatedAt: T0 + 2 },
    { id: 'mobile-b', platform: 'mobile', status: 'rolled_back', updatedAt: T0 + 5 },
  ] as const;
  for (const row of rows) await store.createIfAbsent(sampleCanary(row));
  // Hand-edited in the console: dryRun typed as a string; the oldest update of all.
  const edited = (await db.doc('canaries/web-a').get()).data()!;
  await db.doc('canaries/web-broken').set({ ...edited, dryRun: 'no', updatedAt: Timestamp.fromMillis(T0) });
});

describe('Firestore CanaryStore.list', () => {
  it('lists every canary, newest update first, the invalid one reported in its place', async () => {
    expect(ids(await store.list({}))).toEqual(['mobile-b', 'web-b', 'mobile-a', 'desktop-a', 'web-a', '!web-broken']);
  });

  it('filters by one status, several statuses, platform, and platform with status', async () => {
    expect(ids(await store.list({ status: 'paused' }))).toEqual(['web-b']);
    expect(ids(await store.list({ status: ['running', 'paused'] }))).toEqual(['web-b', 'mobile-a', 'web-a', '!web-broken']);
    expect(ids(await store.list({ platform: 'mobile' }))).toEqual(['mobile-b', 'mobile-a']);
    expect(ids(await store.list({ platform: 'web', status: ['running'] }))).toEqual(['web-a', '!web-broken']);
    expect(ids(await store.list({ platform: 'desktop', status: 'running' }))).toEqual([]);
  });

  it('reads at most `limit` documents, still returned newest first', async () => {
    const reads = ids(await store.list({ status: ['running', 'paused', 'rolled_back'], limit: 2 }));
    expect(reads).toHaveLength(2);
    expect(reads).toEqual([...reads].sort((a, b) => order(a) - order(b)));
  });

  it('lists a hand-edited document that lost its updatedAt, so it can be quarantined rather than missed', async () => {
    await db.doc('canaries/web-no-time').set({ status: 'running', platform: 'toaster', release: 42 });
    const reads = await store.list({ status: ['running', 'paused'] });
    expect(reads.at(-1)).toEqual({ ok: false, id: 'web-no-time', error: expect.stringMatching(/platform: .*updatedAt: /s), version: expect.any(String) });
    await db.doc('canaries/web-no-time').delete();
  });

  it('answers an empty status list with no canaries rather than a failing query', async () => {
    expect(await store.list({ status: [] })).toEqual([]);
  });

  it('reports a schema-invalid document by field path without failing the others', async () => {
    const reads = await store.list({ status: 'running' });
    expect(reads.find((r) => !r.ok)).toEqual({ ok: false, id: 'web-broken', error: expect.stringMatching(/^dryRun: /), version: expect.any(String) });
    expect(reads.filter((r) => r.ok)).toHaveLength(2);
  });
});
