import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCanaryTelemetry, type ProblemKind } from '../../../../clients/electron/src';
import { sampleBucket } from '../../../../clients/electron/src/ids';
import { testFirestore } from '../../support/firestore';
import { addKey, startIngest, TestClock, totals, type IngestServer } from '../../http/telemetry/harness';
import { fakeElectron } from './fake-electron';

interface SavedState {
  batches: { batchId: string; windows: { start: string }[] }[];
  unsampled: unknown;
}
const statePath = (dir: string) => join(dir, 'canary-telemetry', 'state.json');
const stateOf = (dir: string): SavedState => JSON.parse(readFileSync(statePath(dir), 'utf8')) as SavedState;
const userData = () => mkdtempSync(join(tmpdir(), 'cg-electron-'));

/** An app whose calls all fail, and a server that is down, refuses, or samples: nothing thrown, nothing lost that could be kept. */
describe('Electron client: when everything fails', () => {
  const fs = testFirestore('el-fail');
  let key: string;
  beforeAll(async () => {
    key = (await addKey(fs.db, { platforms: ['desktop'], origins: [] })).key;
  });
  afterAll(() => fs.close());

  /** Its own clock and ingest instance per test: these tests move time. */
  async function setup(): Promise<{ clock: TestClock; ingest: IngestServer; problems: [ProblemKind, string][] }> {
    const clock = new TestClock();
    return { clock, ingest: await startIngest(fs.db, clock), problems: [] };
  }

  it('counts every failed call as an error, never throws into the app, and retries its own sends with backoff and the same batchId until they are recorded', async () => {
    const { clock, ingest, problems } = await setup();
    let server: 'offline' | 'overloaded' | 'up' = 'offline';
    const e = fakeElectron(userData(), (url, init) => {
      if (server === 'offline') return Promise.reject(new TypeError('fetch failed'));
      if (server === 'overloaded') return Promise.resolve(new Response('{"error":"the report could not be recorded; retry later"}', { status: 503, headers: { 'retry-after': '30' } }));
      return fetch(url, init);
    });
    const t = startCanaryTelemetry({
      ...e,
      api: ingest.url,
      key,
      release: 'fail-1.0.0',
      channel: 'alpha',
      now: () => clock.now(),
      onProblem: (kind, message) => {
        problems.push([kind, message]);
        throw new Error('the app reporter itself fails');
      },
    });
    for (let i = 0; i < 4; i++) e.fail('https://api.example.com/orders', 'net::ERR_INTERNET_DISCONNECTED', 3000);
    for (let i = 0; i < 3; i++) e.request('https://api.example.com/orders', 503, 80);
    const appFetch = t.wrapFetch((_url: string): Promise<{ status: number }> => Promise.reject(new TypeError('fetch failed')));
    await expect(appFetch('https://api.example.com/orders')).rejects.toThrow('fetch failed');
    // Garbage from "Electron" is the module's problem, not the app's.
    expect(() => {
      e.listeners.completed?.(undefined as never);
      e.listeners.error?.(null as never);
      e.app.emit('render-process-gone');
      e.app.emit('child-process-gone', {}, null);
    }).not.toThrow();

    await t.flush(); // attempt 1: offline
    clock.ms += 2_000;
    await t.flush(); // within the first backoff (2.5-5 s): no attempt
    expect(e.sent).toHaveLength(1);
    clock.ms += 3_000;
    server = 'overloaded';
    await t.flush(); // attempt 2: 503 with Retry-After: 30
    clock.ms += 20_000;
    await t.flush(); // still within Retry-After
    expect(e.sent).toHaveLength(2);
    clock.ms += 11_000;
    server = 'up';
    await t.flush(); // attempt 3: recorded
    await t.stop();
    await ingest.close();

    expect(e.sent.map((s) => s.result)).toEqual(['network failure', 503, 202]);
    expect(new Set(e.sent.map((s) => s.body.batchId)).size).toBe(1);
    const got = await totals(fs.db, { platform: 'desktop', release: 'fail-1.0.0' });
    expect([got.requests, got.errors, got.sessions, got.crashes]).toEqual([8, 8, 1, 0]);
    expect(problems.filter(([k]) => k === 'retry')).toHaveLength(2);
    expect(problems.filter(([k]) => k === 'internal').length).toBeGreaterThanOrEqual(2);
  });

  it('keeps at most maxStoredBatches while the server is unreachable, the newest, and discards what the server would drop as too old', async () => {
    const { clock, ingest, problems } = await setup();
    const dir = userData();
    const e = fakeElectron(dir, () => Promise.reject(new TypeError('fetch failed')));
    const t = startCanaryTelemetry({ ...e, api: ingest.url, key, release: 'fail-bound-1', channel: 'alpha', now: () => clock.now(), maxStoredBatches: 3, onProblem: (k, m) => problems.push([k, m]) });
    const starts: string[] = [];
    for (let minute = 0; minute < 6; minute++) {
      for (let i = 0; i < 50; i++) e.request(`https://api.example.com/item/${i}`, 200, 10 + i * 37);
      starts.push(new Date(Math.floor(clock.now() / 60_000) * 60_000).toISOString().replace('.000Z', 'Z'));
      await t.flush();
      clock.ms += 60_000;
    }
    const kept = stateOf(dir).batches;
    expect(kept.map((b) => b.windows[0]!.start)).toEqual(starts.slice(-3));
    expect(statSync(statePath(dir)).size).toBeLessThan(3 * 16 * 1024 + 4096);
    expect(problems.some(([k, m]) => k === 'dropped' && m.includes('over the limit of 3'))).toBe(true);

    clock.ms += 20 * 60_000;
    await t.flush();
    expect(stateOf(dir).batches).toEqual([]);
    expect(problems.some(([k, m]) => k === 'dropped' && m.includes('3 batch(es) older than the server accepts'))).toBe(true);
    await t.stop();
    await ingest.close();
  });

  it('drops a batch the server refuses for good (unknown key) instead of retrying it forever, and says so', async () => {
    const { clock, ingest, problems } = await setup();
    const dir = userData();
    const e = fakeElectron(dir);
    const t = startCanaryTelemetry({ ...e, api: ingest.url, key: 'cgt_not-a-key-0000000000000000000000', release: 'fail-key-1', channel: 'alpha', now: () => clock.now(), onProblem: (k, m) => problems.push([k, m]) });
    await t.flush();
    clock.ms += 10 * 60_000;
    await t.flush();
    await t.stop();
    await ingest.close();
    expect(e.sent.map((s) => s.result)).toEqual([401]);
    expect(stateOf(dir).batches).toEqual([]);
    expect(problems).toEqual([['dropped', expect.stringMatching(/^batch [A-Za-z0-9_-]+ refused: HTTP 401: unknown or revoked ingest key$/)]]);
  });

  it("stops counting a release the server's sampleRate leaves this install out of", async () => {
    const { clock, ingest } = await setup();
    const sampled = (await addKey(fs.db, { platforms: ['desktop'], origins: [], sampleRate: 0.01 })).key;
    const dir = userData();
    const installId = 'install-unsampled-01';
    expect(sampleBucket(installId)).toBeGreaterThanOrEqual(0.01);
    mkdirSync(join(dir, 'canary-telemetry'), { recursive: true });
    writeFileSync(statePath(dir), JSON.stringify({ v: 1, installId }));
    const e = fakeElectron(dir);
    const t = startCanaryTelemetry({ ...e, api: ingest.url, key: sampled, release: 'fail-sampled-1', channel: 'stable', now: () => clock.now(), onProblem: () => undefined });
    expect(t.installId).toBe(installId);
    e.request('https://api.example.com/a', 200, 20);
    await t.flush();
    clock.ms += 60_000;
    e.request('https://api.example.com/a', 200, 20);
    await t.flush();
    await t.stop();
    await ingest.close();
    expect(e.sent.map((s) => s.result)).toEqual([202]);
    expect(stateOf(dir).unsampled).toMatchObject({ release: 'fail-sampled-1', rate: 0.01 });
    expect((await totals(fs.db, { platform: 'desktop', release: 'fail-sampled-1' })).requests).toBe(1);
  });
});
