import { createFirestoreTelemetryAggregates } from '../../../src/adapters/firestore';
import { officialEmulator, testFirestore } from '../../support/firestore';
import { addKey, minuteIso, report, startIngest, T0, TestClock, totals } from './harness';

/** Reliability matrix rows T1, T2, T4, T5 through real HTTP. */
describe('telemetry ingest under faults', () => {
  const fs = testFirestore('tel-rel');
  const clock = new TestClock();
  afterAll(() => fs.close());

  it('T1: a batch answered 202 is counted after the instance that answered it stops', async () => {
    const instance = testFirestore('tel-rel-t1');
    // The instance's own Firestore client and server: both go away right after the answer.
    const other = await addKey(instance.db);
    const api = await startIngest(instance.db, clock);
    const reply = await api.post(report(other.key, { release: 't1-release', windows: [{ start: minuteIso(T0), requests: 41, errors: 2 }] }, 'install-t1'));
    expect(reply.status).toBe(202);
    await api.close();
    const projectId = instance.projectId;
    await instance.close();
    // A new process reads the same project: the batch is in Firestore, not in the stopped instance's memory.
    const { initializeApp, deleteApp } = await import('firebase-admin/app');
    const { getFirestore } = await import('firebase-admin/firestore');
    const app = initializeApp({ projectId }, `${projectId}-reader`);
    const read = await createFirestoreTelemetryAggregates(getFirestore(app)).read({ platform: 'web', release: 't1-release', from: T0 - 60_000, to: T0 + 60_000 });
    await deleteApp(app);
    expect(read.ok && read.minutes.map((m) => [m.requests, m.errors, m.installs])).toEqual([[41, 2, 1]]);
  });

  it('T2: the same batch sent twice in sequence and concurrently to one instance is counted once, and every retry answers with the first body', async () => {
    const { key } = await addKey(fs.db);
    const api = await startIngest(fs.db, clock);
    const body = report(key, { release: 't2-one', windows: [{ start: minuteIso(T0), requests: 13, errors: 1 }] }, 'install-t2a');
    const replies = await Promise.all([api.post(body), api.post(body), api.post(body)]);
    const again = await api.post(body);
    await api.close();
    expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 202]);
    expect(again.status).toBe(200);
    for (const r of [...replies, again]) expect(r.json).toEqual({ accepted: 1, dropped: 0, sampleRate: 1 });
    expect((await totals(fs.db, { release: 't2-one' })).requests).toBe(13);
  });

  (officialEmulator ? it : it.skip)('T2: the same batch sent concurrently to two instances is counted once (official emulator only: it needs isolated transactions)', async () => {
    const { key } = await addKey(fs.db);
    const a = await startIngest(fs.db, clock);
    // The second instance: its own Firestore client on the same project.
    const { initializeApp, deleteApp } = await import('firebase-admin/app');
    const { getFirestore } = await import('firebase-admin/firestore');
    const app = initializeApp({ projectId: fs.projectId }, `${fs.projectId}-second`);
    const second = await startIngest(getFirestore(app), clock);
    const bodies = Array.from({ length: 5 }, (_, i) => report(key, { release: 't2-two', windows: [{ start: minuteIso(T0), requests: 10, errors: 1 }] }, `install-t2-${i}`));
    const replies = await Promise.all(bodies.flatMap((body) => [a.post(body), second.post(body)]));
    await a.close();
    await second.close();
    await deleteApp(app);
    expect(replies.filter((r) => r.status === 202)).toHaveLength(5);
    expect(replies.filter((r) => r.status === 200)).toHaveLength(5);
    const t = await totals(fs.db, { release: 't2-two' });
    expect([t.requests, t.errors, t.installs.all]).toEqual([50, 5, 5]);
  });

  (officialEmulator ? it : it.skip)('loses no count when 40 installs post at once to two instances whose views of the same documents go stale (official emulator only: it needs update-time preconditions)', async () => {
    const { key } = await addKey(fs.db);
    const { initializeApp, deleteApp } = await import('firebase-admin/app');
    const { getFirestore } = await import('firebase-admin/firestore');
    const app = initializeApp({ projectId: fs.projectId }, `${fs.projectId}-lost`);
    const a = await startIngest(fs.db, clock);
    const b = await startIngest(getFirestore(app), clock);
    // Two rounds: in the second each instance commits on a view the other has overtaken.
    const replies = [];
    for (let round = 0; round < 2; round++) {
      const bodies = Array.from({ length: 40 }, (_, i) => report(key, { release: 'lost-none', windows: [{ start: minuteIso(T0), requests: 7, errors: i % 2 }] }, `install-lost-${i}`));
      replies.push(...(await Promise.all(bodies.map((body, i) => (i % 2 === 0 ? a : b).post(body)))));
    }
    await a.close();
    await b.close();
    await deleteApp(app);
    expect(replies.map((r) => r.status)).toEqual(new Array(80).fill(202));
    const t = await totals(fs.db, { release: 'lost-none' });
    expect([t.requests, t.errors, t.installs.all]).toEqual([560, 40, 40]);
  });

  (officialEmulator ? it : it.skip)("T4: a flood from one install is refused with 429 past its budget across two instances sharing one Firestore (official emulator only: it needs update-time preconditions)", async () => {
    const { key } = await addKey(fs.db);
    const { initializeApp, deleteApp } = await import('firebase-admin/app');
    const { getFirestore } = await import('firebase-admin/firestore');
    const app = initializeApp({ projectId: fs.projectId }, `${fs.projectId}-t4`);
    const generous = { installRateLimit: { capacity: 1000, refillPerSecond: 1000 } };
    const a = await startIngest(fs.db, clock);
    const b = await startIngest(getFirestore(app), clock);
    Object.assign(a.deps, generous);
    // Each instance alone would let 6 batches a minute through; together they still do not exceed 6.
    const replies = [];
    for (let i = 0; i < 12; i++) replies.push(await (i % 2 === 0 ? a : b).post(report(key, { release: 't4-install', windows: [{ start: minuteIso(T0), requests: 5, errors: 0 }] }, 'install-t4')));
    await a.close();
    await b.close();
    await deleteApp(app);
    expect(replies.filter((r) => r.status === 202)).toHaveLength(6);
    const refused = replies.filter((r) => r.status === 429);
    expect(refused).toHaveLength(6);
    for (const r of refused) expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    expect((await totals(fs.db, { release: 't4-install' })).requests).toBe(30);
  });

  it("T4: a flood from one key is refused with 429 past the key's budget, counted across two instances", async () => {
    const { key } = await addKey(fs.db, { reportsPerMinute: 10 });
    const { initializeApp, deleteApp } = await import('firebase-admin/app');
    const { getFirestore } = await import('firebase-admin/firestore');
    const app = initializeApp({ projectId: fs.projectId }, `${fs.projectId}-t4k`);
    // Usage is written with every commit and re-read on every request here, so the test sees the shared count at once.
    const fast = { ingest: { instance: 'x', keyBudget: { refreshMs: 0, flushMs: 0, awaitRefresh: true } } };
    const a = await startIngest(fs.db, clock, { ingest: { ...fast.ingest, instance: 'inst-a' } });
    const b = await startIngest(getFirestore(app), clock, { ingest: { ...fast.ingest, instance: 'inst-b' } });
    const statuses: number[] = [];
    for (let i = 0; i < 16; i++) {
      const reply = await (i % 2 === 0 ? a : b).post(report(key, { release: 't4-key', windows: [{ start: minuteIso(T0), requests: 1, errors: 0 }] }, `install-t4k-${i}`));
      statuses.push(reply.status);
      if (reply.status === 429) expect(Number(reply.headers['retry-after'])).toBeGreaterThan(0);
    }
    await a.close();
    await b.close();
    await deleteApp(app);
    // Together exactly the key's budget of 10, though each instance alone would have taken all 16.
    const accepted = statuses.filter((s) => s === 202).length;
    expect(accepted).toBe(10);
    expect(statuses.filter((s) => s === 429).length).toBe(16 - accepted);
  });

  it('T5: far windows are dropped and said, impossible counts and unknown fields are 400, 17 KB bodies 413, and none of them records anything', async () => {
    const { key } = await addKey(fs.db);
    const api = await startIngest(fs.db, clock);
    const far = await api.post(report(key, { release: 't5', windows: [{ start: minuteIso(T0 - 3600_000), requests: 9, errors: 9 }, { start: minuteIso(T0 + 3600_000), requests: 9, errors: 9 }] }, 'install-t5a'));
    expect(far.status).toBe(202);
    expect(far.json).toEqual({ accepted: 0, dropped: 2, sampleRate: 1 });
    const impossible = await api.post(report(key, { release: 't5', windows: [{ start: minuteIso(T0), requests: 3, errors: 2, clientErrors: 2 }] }, 'install-t5b'));
    expect([impossible.status, impossible.json.path]).toEqual([400, 'windows[0].clientErrors']);
    const unknown = await api.post(report(key, { release: 't5', debug: true }, 'install-t5c'));
    expect([unknown.status, unknown.json.path]).toEqual([400, 'debug']);
    const big = await api.post(JSON.stringify(report(key, { release: 't5', pad: 'x'.repeat(17_000) }, 'install-t5d')));
    expect(big.status).toBe(413);
    await api.close();
    expect((await totals(fs.db, { release: 't5' })).minutes).toEqual([]);
  });
});
