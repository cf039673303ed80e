import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { latencyBucket as clientBucket, startCanaryTelemetry } from '../../../../clients/electron/src';
import { latencyBucket as serverBucket, STANDARD_LATENCY_BOUNDS } from '../../../src/core/latency-buckets';
import { testFirestore } from '../../support/firestore';
import { addKey, startIngest, T0, TestClock, totals, type IngestServer } from '../../http/telemetry/harness';
import { fakeElectron } from './fake-electron';

/** The Electron client against the real ingest app on the tests' Firestore: what the server aggregated. */
describe('Electron client: counting sessions, crashes and the app calls', () => {
  const fs = testFirestore('el-count');
  const clock = new TestClock();
  let ingest: IngestServer;
  let key: string;
  beforeAll(async () => {
    key = (await addKey(fs.db, { platforms: ['desktop'], origins: [] })).key;
    ingest = await startIngest(fs.db, clock);
  });
  afterAll(async () => {
    await ingest.close();
    await fs.close();
  });
  const userData = () => mkdtempSync(join(tmpdir(), 'cg-electron-'));
  const minuteOf = (release: string) => totals(fs.db, { platform: 'desktop', release });

  it('reports an app start as a session and the calls by status class, with their latency in the standard buckets', async () => {
    const e = fakeElectron(userData());
    const problems: string[] = [];
    const t = startCanaryTelemetry({ ...e, api: ingest.url, key, release: 'count-1.0.0', channel: 'beta', now: () => clock.now(), onProblem: (k, m) => problems.push(`${k}: ${m}`) });
    e.request('https://api.shop.example/cart', 200, 15);
    e.request('https://api.shop.example/cart', 404, 30);
    e.request('https://api.shop.example/pay', 503, 120);
    e.fail('https://api.shop.example/pay', 'net::ERR_CONNECTION_REFUSED', 50);
    // The app's own cancellation and this module's own reports are not the app's calls.
    e.fail('https://api.shop.example/search', 'net::ERR_ABORTED', 5);
    e.request(`${ingest.url}/v1/telemetry`, 202, 5);
    const counted = t.wrapFetch(async (url: string) => ({ status: url.endsWith('/down') ? 502 : 201 }));
    await counted('https://api.shop.example/ok');
    await counted('https://api.shop.example/down');
    const rejecting = t.wrapFetch((_url: string): Promise<{ status: number }> => Promise.reject(new TypeError('fetch failed')));
    await expect(rejecting('https://api.shop.example/x')).rejects.toThrow('fetch failed');
    await t.flush();
    await t.stop();

    const got = await minuteOf('count-1.0.0');
    expect([got.requests, got.errors, got.sessions, got.crashes]).toEqual([7, 4, 1, 0]);
    expect(got.minutes.map((m) => m.clientErrors)).toEqual([1]);
    const latency = got.minutes[0]!.latency;
    // 15 ms, 30 ms, 120 ms and 50 ms land in their buckets; the wrapped fetch timed its three calls too.
    for (const ms of [15, 30, 120, 50]) expect(latency[serverBucket(ms)]).toBeGreaterThanOrEqual(1);
    expect(latency.reduce((a, b) => a + b, 0)).toBe(7);
    expect(e.sent.map((s) => [s.result, s.body.platform, s.body.channel])).toEqual([[202, 'desktop', 'beta']]);
    expect(problems).toEqual([]);
  });

  it('counts render-process-gone and child-process-gone as crashes only for a crash or out-of-memory reason', async () => {
    const e = fakeElectron(userData());
    const t = startCanaryTelemetry({ ...e, api: ingest.url, key, release: 'count-crash-1.0.0', channel: 'alpha', now: () => clock.now(), onProblem: () => undefined });
    e.renderGone('crashed');
    e.renderGone('clean-exit');
    e.renderGone('killed');
    e.childGone('oom', 'Utility');
    e.childGone('abnormal-exit');
    await t.flush();
    await t.stop();
    const got = await minuteOf('count-crash-1.0.0');
    // Two crashes in a run that started once: the window carries sessions >= crashes, as the spec wants.
    expect([got.crashes, got.sessions]).toEqual([2, 2]);
  });

  it('puts every latency in the same bucket as the server does, at and around each edge', () => {
    const samples = [0, 5, 9.999, 10, 48_000, 1e9, ...STANDARD_LATENCY_BOUNDS.flatMap((b) => [b, b * (1 - 1e-12), b * (1 + 1e-12), b + 0.5])];
    expect(samples.map(clientBucket)).toEqual(samples.map(serverBucket));
  });

  it('keeps its install id, counts and batches in one file under userData, and its id across starts', async () => {
    const dir = userData();
    const e = fakeElectron(dir, () => Promise.reject(new Error('offline')));
    const first = startCanaryTelemetry({ ...e, api: ingest.url, key, release: 'count-file-1', channel: 'alpha', now: () => clock.now(), quitWaitMs: 0, onProblem: () => undefined });
    await first.stop();
    const saved = JSON.parse(readFileSync(join(dir, 'canary-telemetry', 'state.json'), 'utf8')) as { installId: string; run: unknown; batches: unknown[] };
    expect(saved.installId).toBe(first.installId);
    expect(saved.installId).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    expect(saved.run).toBeNull();
    expect(saved.batches).toHaveLength(1);
    const again = startCanaryTelemetry({ ...fakeElectron(dir, () => Promise.reject(new Error('offline'))), api: ingest.url, key, release: 'count-file-1', channel: 'alpha', now: () => clock.now(), quitWaitMs: 0, onProblem: () => undefined });
    expect(again.installId).toBe(first.installId);
    await again.stop();
  });

  it('stays off and says why when the options are wrong, instead of throwing into the app', async () => {
    const problems: string[] = [];
    const e = fakeElectron(userData());
    const t = startCanaryTelemetry({ ...e, api: 'not a url', key, release: 'a/b', channel: 'alpha', onProblem: (k, m) => problems.push(`${k}: ${m}`) });
    expect(problems).toEqual(['config: api must be an absolute URL, e.g. https://telemetry.example.com; telemetry is off']);
    const f = async () => ({ status: 500 });
    expect(t.wrapFetch(f)).toBe(f);
    await t.flush();
    expect(e.app.listenerCount('before-quit')).toBe(0);
    expect(T0).toBeLessThan(clock.now());
  });
});
