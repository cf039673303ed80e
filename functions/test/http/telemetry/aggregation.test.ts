import { Timestamp } from 'firebase-admin/firestore';
import { createFirestoreCanaryStore, createFirestoreTelemetryAggregates } from '../../../src/adapters/firestore';
import { minutesOf } from '../../../src/adapters/firestore/telemetry-layout';
import { LATENCY_BUCKET_COUNT } from '../../../src/core/latency-buckets';
import { canaryFixture } from '../../app/evaluate/canary-fixture';
import { testFirestore } from '../../support/firestore';
import { addKey, minuteIso, report, startIngest, T0, TestClock } from './harness';

const DAY = 24 * 3600_000;

/** What the aggregates keep of the reports (issue 12, "Aggregation and storage"), through real HTTP. */
describe('telemetry aggregates', () => {
  const fs = testFirestore('tel-aggregation');
  const clock = new TestClock();
  afterAll(() => fs.close());

  it('adds latency histograms bucket by bucket, across installs, batches and shards', async () => {
    const { key } = await addKey(fs.db);
    const api = await startIngest(fs.db, clock, { shards: 4 });
    const expected = new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
    const bodies = [];
    for (let i = 0; i < 12; i++) {
      // Each install its own spread, bucket 0 and the open top bucket 90 included.
      const counts: Record<string, number> = { '0': i % 3, [String(20 + i)]: 5, '41': i, '90': i % 2 };
      for (const [b, n] of Object.entries(counts)) expected[Number(b)]! += n;
      const requests = Object.values(counts).reduce((a, n) => a + n, 0);
      bodies.push(report(key, { release: 'hist-sum', windows: [{ start: minuteIso(T0), requests, errors: 0, latencyMs: { counts } }] }, `install-hist-${String(i).padStart(2, '0')}`));
    }
    // A second batch of the first install in the same minute adds to what it sent before.
    bodies.push(report(key, { release: 'hist-sum', windows: [{ start: minuteIso(T0), requests: 3, errors: 0, latencyMs: { counts: { '41': 3 } } }] }, 'install-hist-00'));
    expected[41]! += 3;
    const replies = await Promise.all(bodies.map((b) => api.post(b)));
    await api.close();
    expect(replies.map((r) => r.status)).toEqual(new Array(13).fill(202));

    const shards = new Set((await minutesOf(fs.db, 'web', 'hist-sum').get()).docs.map((d) => d.get('shard') as number));
    expect(shards.size).toBeGreaterThan(1);
    const read = await createFirestoreTelemetryAggregates(fs.db).read({ platform: 'web', release: 'hist-sum', from: T0, to: T0 + 60_000 });
    if (!read.ok) throw new Error(read.error);
    expect(read.minutes).toHaveLength(1);
    expect(read.minutes[0]!.latency).toEqual(expected);
  });

  it('writes the reports of many installs arriving at once in a few shared commits, not one write per report', async () => {
    const { key } = await addKey(fs.db);
    const commits: { documents: number; batches: number }[] = [];
    const api = await startIngest(fs.db, clock, { onCommit: (c) => commits.push(c) });
    const bodies = Array.from({ length: 100 }, (_, i) => report(key, { release: 'shared-writes', windows: [{ start: minuteIso(T0), requests: 5, errors: 0 }] }, `install-shared-${String(i).padStart(3, '0')}`));
    const replies = await Promise.all(bodies.map((b) => api.post(b)));
    await api.close();
    expect(replies.map((r) => r.status)).toEqual(new Array(100).fill(202));
    expect(commits.reduce((a, c) => a + c.batches, 0)).toBe(100);
    // A commit writes the release's minute document (and at most the key's usage), however many reports it carries.
    for (const c of commits) expect(c.documents).toBeLessThanOrEqual(2);
    expect(Math.max(...commits.map((c) => c.batches))).toBeGreaterThan(1);
    // About 20 commits on the official emulator; the margin is for a loaded machine.
    expect(commits.reduce((a, c) => a + c.documents, 0)).toBeLessThan(75);
    const read = await createFirestoreTelemetryAggregates(fs.db).read({ platform: 'web', release: 'shared-writes', from: T0, to: T0 + 60_000 });
    expect(read.ok && read.minutes.map((m) => [m.requests, m.installs])).toEqual([[500, 100]]);
  });

  it('stamps every aggregate document with expireAt, its minute plus 14 days unless configured otherwise', async () => {
    const { key } = await addKey(fs.db);
    const byDefault = await startIngest(fs.db, clock);
    const configured = await startIngest(fs.db, clock, { retentionMs: 3 * DAY });
    const minute = T0 - 5 * 60_000;
    const at = (release: string) => report(key, { release, windows: [{ start: minuteIso(minute), requests: 4, errors: 0 }] }, `install-ttl-${release}`);
    expect((await byDefault.post(at('ttl-default'))).status).toBe(202);
    expect((await configured.post(at('ttl-three-days'))).status).toBe(202);
    await byDefault.close();
    await configured.close();
    const expiries = async (release: string) => (await minutesOf(fs.db, 'web', release).get()).docs.map((d) => (d.get('expireAt') as Timestamp).toMillis());
    expect(await expiries('ttl-default')).toEqual([minute + 14 * DAY]);
    expect(await expiries('ttl-three-days')).toEqual([minute + 3 * DAY]);
  });

  it("answers the key's sampleRate for a release that is not a live canary, and 1 for a live canary's release", async () => {
    const { key } = await addKey(fs.db, { sampleRate: 0.25 });
    const canaries = createFirestoreCanaryStore(fs.db);
    await canaries.createIfAbsent(canaryFixture({ id: 'web__v40.1.0__alpha', release: 'v40.1.0', previousRelease: 'v40.0.0' }));
    await canaries.createIfAbsent(canaryFixture({ id: 'web__v39.9.0__alpha', release: 'v39.9.0', previousRelease: 'v39.8.0', status: 'rolled_back' }));
    const api = await startIngest(fs.db, clock);
    const rate = async (release: string) => (await api.post(report(key, { release }, `install-sample-${release.replaceAll('.', '-')}`))).json.sampleRate;
    expect(await rate('v40.1.0')).toBe(1);
    expect(await rate('v40.0.0')).toBe(0.25);
    expect(await rate('v39.9.0')).toBe(0.25);
    await api.close();
  });
});
