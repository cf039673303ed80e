import { deleteApp, initializeApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import { minutesOf } from '../../../src/adapters/firestore/telemetry-layout';
import { officialEmulator, testFirestore } from '../../support/firestore';
import { addKey, minuteIso, report, startIngest, T0, TestClock, totals } from './harness';

/** Shard counts chosen per minute: whoever creates a minute fixes its count for every instance. */
describe('telemetry shard layout per minute', () => {
  const fs = testFirestore('tel-shards');
  const clock = new TestClock();
  afterAll(() => fs.close());

  async function shardCounts(release: string): Promise<number[]> {
    const snap = await minutesOf(fs.db, 'web', release).get();
    return snap.docs.map((d) => d.get('k') as number);
  }

  it('an instance that would pick one shard writes into the four shards another instance created, and a batch retried on it is counted once', async () => {
    const { key } = await addKey(fs.db);
    const four = await startIngest(fs.db, clock, { shards: 4 });
    const firsts = Array.from({ length: 8 }, (_, i) => report(key, { release: 'layout-seq', windows: [{ start: minuteIso(T0), requests: 10, errors: 1 }] }, `install-seq-${i}`));
    for (const body of firsts) expect((await four.post(body)).status).toBe(202);
    await four.close();

    const app = initializeApp({ projectId: fs.projectId }, `${fs.projectId}-auto`);
    const auto = await startIngest(getFirestore(app), clock);
    // The same batches again (retries) and eight new installs, on an instance that chooses from load (one shard at this load).
    const retries = await Promise.all(firsts.map((body) => auto.post(body)));
    const news = await Promise.all(Array.from({ length: 8 }, (_, i) => auto.post(report(key, { release: 'layout-seq', windows: [{ start: minuteIso(T0), requests: 5, errors: 0 }] }, `install-seq-new-${i}`))));
    await auto.close();
    await deleteApp(app);

    expect(retries.map((r) => r.status)).toEqual(new Array(8).fill(200));
    expect(news.map((r) => r.status)).toEqual(new Array(8).fill(202));
    const t = await totals(fs.db, { release: 'layout-seq' });
    expect([t.requests, t.errors, t.installs.all]).toEqual([120, 8, 16]);
    const counts = await shardCounts('layout-seq');
    expect(counts.length).toBeGreaterThan(1);
    expect(new Set(counts)).toEqual(new Set([4]));
  });

  it('a release at low load writes one document per minute', async () => {
    const { key } = await addKey(fs.db);
    const api = await startIngest(fs.db, clock);
    const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => api.post(report(key, { release: 'layout-one', windows: [{ start: minuteIso(T0), requests: 3, errors: 0 }] }, `install-one-${i}`))));
    await api.close();
    expect(replies.every((r) => r.status === 202)).toBe(true);
    expect(await shardCounts('layout-one')).toEqual([1]);
    expect((await totals(fs.db, { release: 'layout-one' })).installs.all).toBe(30);
  });

  (officialEmulator ? it : it.skip)('two instances creating the same minute at once with different shard counts agree on one, and lose and double nothing (official emulator only: it needs create preconditions)', async () => {
    const { key } = await addKey(fs.db);
    const app = initializeApp({ projectId: fs.projectId }, `${fs.projectId}-race`);
    const one = await startIngest(fs.db, clock, { shards: 1 });
    const eight = await startIngest(getFirestore(app), clock, { shards: 8 });
    const bodies = Array.from({ length: 24 }, (_, i) => report(key, { release: 'layout-race', windows: [{ start: minuteIso(T0), requests: 4, errors: i % 3 === 0 ? 1 : 0 }] }, `install-race-${i}`));
    // Every batch goes to both instances at once: one of them records it, the other finds its marker.
    const replies = await Promise.all(bodies.flatMap((body) => [one.post(body), eight.post(body)]));
    await one.close();
    await eight.close();
    await deleteApp(app);
    expect(replies.filter((r) => r.status === 202)).toHaveLength(24);
    expect(replies.filter((r) => r.status === 200)).toHaveLength(24);
    const t = await totals(fs.db, { release: 'layout-race' });
    expect([t.requests, t.errors, t.installs.all]).toEqual([96, 8, 24]);
    expect(new Set(await shardCounts('layout-race')).size).toBe(1);
  });
});
