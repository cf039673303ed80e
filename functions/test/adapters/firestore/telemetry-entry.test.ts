import { Timestamp } from 'firebase-admin/firestore';
import { decodeEntry, encodeEntry, minutesOf } from '../../../src/adapters/firestore/telemetry-layout';
import { shortHash } from '../../../src/app/telemetry/prepare';
import { testFirestore } from '../../support/firestore';
import { addKey, minuteIso, report, startIngest, T0, TestClock, totals, type IngestServer } from '../../http/telemetry/harness';

describe('install entries as stored', () => {
  it('read back what was written, markers and fractional sample rates included', () => {
    const entry = { r: 600, e: 60, s: 2, c: 1, n: 3, a: { b0123456789abcde: [1, 0, 1], bfedcba987654321: [2, 1, 0.05] } };
    expect(encodeEntry(entry)).toBe('600,60,2,1,3;b0123456789abcde,1,0,1;bfedcba987654321,2,1,0.05');
    expect(decodeEntry(encodeEntry(entry))).toEqual(entry);
    expect(decodeEntry(encodeEntry({ r: 0, e: 0, s: 0, c: 0, n: 0, a: {} }))).toEqual({ r: 0, e: 0, s: 0, c: 0, n: 0, a: {} });
  });

  it('read the map an earlier build wrote, and refuse anything else', () => {
    expect(decodeEntry({ r: 5, e: 1, s: 1, c: 0, n: 1, a: { b0123456789abcde: [1, 0, 1] } })).toEqual({ r: 5, e: 1, s: 1, c: 0, n: 1, a: { b0123456789abcde: [1, 0, 1] } });
    for (const bad of ['', '1,2,3,4', '1,2,3,4,x', '1,2,3,4,-1', '1,2,3,4,5;b1,1,0', '1,2,3,4,5;,1,0,1', 7, null, { r: -1 }]) expect(decodeEntry(bad)).toBeNull();
  });
});

/** A minute an earlier build wrote (entries as maps) keeps its dedup markers and caps for the build that writes strings. */
describe('a minute document written with map entries', () => {
  const fs = testFirestore('tel-entry-compat');
  const clock = new TestClock();
  let api: IngestServer;
  let key: string;
  const release = 'v-map-entries';
  const install = 'install-map-0001';
  const batchId = 'batch-map-00001';

  beforeAll(async () => {
    key = (await addKey(fs.db)).key;
    api = await startIngest(fs.db, clock);
    const minute = T0;
    await minutesOf(fs.db, 'web', release)
      .doc(`${minute}_0`)
      .create({
        platform: 'web',
        release,
        minute,
        shard: 0,
        k: 1,
        expireAt: Timestamp.fromMillis(minute + 86_400_000),
        t: { requests: 590, errors: 50, clientErrors: 0, successes: 540, sessions: 1, crashes: 0, windows: 1, cappedWindows: 0 },
        l: {},
        i: { [shortHash('i', install)]: { r: 590, e: 50, s: 1, c: 0, n: 1, a: { [shortHash('b', batchId)]: [1, 0, 1] } } },
      });
  });
  afterAll(async () => {
    await api.close();
    await fs.close();
  });

  it('answers a retry of its batch with the first body, caps the install on what the map holds, and counts its installs', async () => {
    const window = (requests: number, errors: number) => [{ start: minuteIso(T0), requests, errors }];
    const retry = await api.post(report(key, { release, batchId, windows: window(590, 50) }, install));
    expect([retry.status, retry.json]).toEqual([200, { accepted: 1, dropped: 0, sampleRate: 1 }]);
    // 590 of the install's 600 requests a minute are taken: 30 more are scaled to 10, their 20 errors to 6.
    expect((await api.post(report(key, { release, windows: window(30, 20) }, install))).status).toBe(202);
    expect((await api.post(report(key, { release, windows: window(5, 0) }, 'install-new-0001'))).status).toBe(202);
    const after = await totals(fs.db, { release });
    expect([after.requests, after.errors, after.cappedWindows]).toEqual([605, 56, 1]);
    expect(after.installs).toEqual({ all: 2, errors: 1, crashes: 0 });
    const stored = (await minutesOf(fs.db, 'web', release).doc(`${T0}_0`).get()).get('i') as Record<string, unknown>;
    // Rewritten in the stored string form, the earlier marker kept beside the new one.
    expect(stored[shortHash('i', install)]).toMatch(new RegExp(`^600,56,1,0,2;${shortHash('b', batchId)},1,0,1;b[0-9a-f]{15},1,0,1$`));
  });
});
