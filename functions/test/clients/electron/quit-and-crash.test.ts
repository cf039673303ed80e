import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { startCanaryTelemetry } from '../../../../clients/electron/src';
import { testFirestore } from '../../support/firestore';
import { addKey, startIngest, TestClock, totals, type IngestServer } from '../../http/telemetry/harness';
import { fakeElectron } from './fake-electron';

interface SavedState {
  run: unknown;
  open: { requests: number }[];
  batches: { batchId: string; windows: unknown[] }[];
}
const stateOf = (dir: string): SavedState => JSON.parse(readFileSync(join(dir, 'canary-telemetry', 'state.json'), 'utf8')) as SavedState;

async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An app that crashes, and one that quits with batches unsent: nothing lost, nothing counted twice. */
describe('Electron client: a crash and a quit between two sends', () => {
  const fs = testFirestore('el-quit');
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
  const options = (release: string) => ({ api: ingest.url, key, release, channel: 'alpha' as const, now: () => clock.now(), onProblem: () => undefined });

  it('reports a run killed without quitting as one crash at the next start, with the counts it had written, and not again at the start after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-electron-'));
    const out = join(mkdtempSync(join(tmpdir(), 'cg-electron-app-')), 'crashing-app.js');
    buildSync({ entryPoints: [join(__dirname, 'crashing-app.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'silent' });
    const child = spawn(process.execPath, [out], { env: { ...process.env, CG_USER_DATA: dir, CG_API: ingest.url, CG_KEY: key, CG_RELEASE: 'crash-1.0.0', CG_NOW_MS: String(clock.now()) }, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const file = join(dir, 'canary-telemetry', 'state.json');
    await until('the crashing app to write its counts', () => existsSync(file) && stateOf(dir).open.some((w) => w.requests === 3));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(stateOf(dir).run).not.toBeNull();

    clock.ms += 20_000;
    const e2 = fakeElectron(dir);
    const second = startCanaryTelemetry({ ...e2, ...options('crash-1.0.0') });
    await second.flush();
    await second.stop();
    let got = await totals(fs.db, { platform: 'desktop', release: 'crash-1.0.0' });
    expect([got.sessions, got.crashes, got.requests, got.errors]).toEqual([2, 1, 3, 1]);

    const e3 = fakeElectron(dir);
    const third = startCanaryTelemetry({ ...e3, ...options('crash-1.0.0') });
    await third.flush();
    await third.stop();
    got = await totals(fs.db, { platform: 'desktop', release: 'crash-1.0.0' });
    expect([got.sessions, got.crashes]).toEqual([3, 1]);
    expect(stateOf(dir).run).toBeNull();
  });

  it('counts the crash for the release that crashed when the next start runs another release', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-electron-'));
    // The old run never reaches the server; what it leaves on disk right after its start is what a kill leaves.
    const old = startCanaryTelemetry({ ...fakeElectron(dir, () => Promise.reject(new Error('offline'))), ...options('crash-old-1'), quitWaitMs: 0 });
    const killedRun = readFileSync(join(dir, 'canary-telemetry', 'state.json'), 'utf8');
    await old.stop();
    writeFileSync(join(dir, 'canary-telemetry', 'state.json'), killedRun);
    const next = startCanaryTelemetry({ ...fakeElectron(dir), ...options('crash-new-2') });
    await next.flush();
    await next.stop();
    const oldRelease = await totals(fs.db, { platform: 'desktop', release: 'crash-old-1' });
    const newRelease = await totals(fs.db, { platform: 'desktop', release: 'crash-new-2' });
    expect([oldRelease.sessions, oldRelease.crashes]).toEqual([1, 1]);
    expect([newRelease.sessions, newRelease.crashes]).toEqual([1, 0]);
  });

  it('keeps the batch of a quit whose send lost its answer, sends it at the next start with the same batchId, and the server counts it once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-electron-'));
    // The report reaches the server, the answer never reaches the app (a reset after sending).
    const e1 = fakeElectron(dir, async (url, init) => {
      await fetch(url, init);
      throw new Error('socket hang up');
    });
    startCanaryTelemetry({ ...e1, ...options('quit-1.0.0'), session: e1.session });
    for (let i = 0; i < 5; i++) e1.request('https://api.example.com/x', i === 0 ? 502 : 200, 100);
    await e1.quitAndWait();
    expect(e1.sent.map((s) => s.result)).toEqual(['network failure']);
    const batchId = e1.sent[0]!.body.batchId;
    const saved = stateOf(dir);
    expect([saved.run, saved.batches.map((b) => b.batchId)]).toEqual([null, [batchId]]);

    clock.ms += 30_000;
    const e2 = fakeElectron(dir);
    const next = startCanaryTelemetry({ ...e2, ...options('quit-1.0.0') });
    await next.flush();
    await next.stop();
    // The first send of the second run is the first run's batch, answered 200: already recorded.
    expect(e2.sent[0]).toMatchObject({ result: 200, body: { batchId } });
    const got = await totals(fs.db, { platform: 'desktop', release: 'quit-1.0.0' });
    expect([got.requests, got.errors, got.sessions, got.crashes]).toEqual([5, 1, 2, 0]);
    expect(stateOf(dir).batches).toEqual([]);
  });

  it('delays the quit by at most quitWaitMs when the server does not answer, with the batch already on disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-electron-'));
    const e = fakeElectron(dir, () => new Promise(() => undefined));
    startCanaryTelemetry({ ...e, ...options('quit-hang-1'), quitWaitMs: 300 });
    const t0 = Date.now();
    await e.quitAndWait();
    const waited = Date.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(5_000);
    expect(stateOf(dir).batches).toHaveLength(1);
    expect(stateOf(dir).run).toBeNull();
  });
});
