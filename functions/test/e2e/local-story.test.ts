import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createFirestoreTelemetryAggregates } from '../../src/adapters/firestore';
import { testFirestore } from '../support/firestore';

const FUNCTIONS_DIR = resolve(__dirname, '../..');
const KEY = 'e2e-story-key-0123456789';

/** Posts one spec batch to the runner's ingest; resolves to the status and the JSON answer. */
async function report(baseUrl: string, body: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${baseUrl}/v1/telemetry`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/**
 * `npm start -- --exit-when-done` as a person runs it on a fresh clone: no credentials, nothing
 * registered by hand. Everything the story shows comes from real parts: installs reporting through
 * the ingest, the evaluation reading telemetry, the rollback calling the stand-ins over HTTP.
 */
describe('npm start without credentials: the story on real reports, rolled back against local stand-ins', () => {
  const store = testFirestore('local-story');
  let runner: ChildProcess;
  let output = '';
  let exited: Promise<number | null>;
  let baseUrl = '';
  let ingestKey = '';

  beforeAll(async () => {
    runner = spawn(process.execPath, ['lib/cli/run-local.js', '--exit-when-done'], {
      cwd: FUNCTIONS_DIR,
      env: {
        ...process.env,
        GITHUB_TOKEN: '',
        GOOGLE_ACCESS_TOKEN: '',
        GOOGLE_APPLICATION_CREDENTIALS: '',
        GCLOUD_PROJECT: store.projectId,
        PORT: '0',
        LOCAL_TICK_MS: '250',
        LOCAL_INSTALLS: '200',
        LOCAL_MAX_RUN_MS: '240000',
        LOCAL_API_KEY: KEY,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exited = new Promise((done) => runner.on('exit', (code) => done(code)));
    runner.stdout!.on('data', (d) => (output += d));
    runner.stderr!.on('data', (d) => (output += d));
    const deadline = Date.now() + 60_000;
    // Registered first: reports of a live canary's release are never sampled (sampleRate 1).
    while (!/registered canary/.test(output)) {
      if (Date.now() > deadline || runner.exitCode !== null) throw new Error(`runner did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    baseUrl = /API listening on (\S+)/.exec(output)![1];
    ingestKey = /ingest key: (cgt_\S+)/.exec(output)![1];
  }, 70_000);

  afterAll(async () => {
    if (runner.exitCode === null) runner.kill('SIGINT');
    await exited;
    await store.close();
  });

  it('accepts a spec batch posted with the local ingest key, and refuses an unknown key and a bad body', async () => {
    // Windows are stamped in story time: the day from the banner's curl, the minute of the latest tick.
    const day = /"start":"(\d{4}-\d{2}-\d{2})T/.exec(output)![1];
    const ticks = [...output.matchAll(/\[tick \d+ (\d\d:\d\d):\d\d\]/g)];
    const start = ticks.length > 0 ? `${day}T${ticks[ticks.length - 1]![1]}:00Z` : /"start":"([^"]+)"/.exec(output)![1];
    const batch = { batchId: 'e2e-batch-0001', installId: 'e2e-install-0001', platform: 'web', release: 'v29.1.0', channel: 'alpha', windows: [{ start, requests: 10, errors: 0 }] };
    const accepted = await report(baseUrl, { key: ingestKey, ...batch });
    expect(accepted.status).toBe(202);
    expect(accepted.json).toMatchObject({ accepted: 1, dropped: 0, sampleRate: 1 });
    // The same batch again is counted once (200, the first answer).
    expect((await report(baseUrl, { key: ingestKey, ...batch })).status).toBe(200);
    expect((await report(baseUrl, { key: `cgt_${'x'.repeat(32)}`, ...batch, batchId: 'e2e-batch-0002' })).status).toBe(401);
    const bad = await report(baseUrl, { key: ingestKey, ...batch, batchId: 'e2e-batch-0003', windows: [{ start, requests: 1, errors: 2 }] });
    expect(bad.status).toBe(400);
    expect(bad.json.path).toBe('windows[0].errors');
  });

  it('the guardian reads the stand-in GitHub: the document curl passes on its clean repository', async () => {
    const res = await fetch(`${baseUrl}/guardian/check`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ release: 'v29.1.0', channel: 'alpha' }) });
    expect(res.status).toBe(200);
  });

  it('plays the story on reports: green, the error rate climbing, the rollback carried out on the stand-ins, recovery confirmed, exit 0', async () => {
    expect(await exited).toBe(0);

    // Stand-ins were started and labelled; nothing was configured to leave the machine.
    expect(output).toMatch(/stand-in GitHub on http:\/\/127\.0\.0\.1:\d+ .*nothing leaves this machine/);
    expect(output).toMatch(/stand-in Hosting on http:\/\/127\.0\.0\.1:\d+ .*nothing leaves this machine/);
    expect(output).toMatch(/stand-in Play on http:\/\/127\.0\.0\.1:\d+ .*nothing leaves this machine/);

    // Reports arrived every tick from hundreds of installs (the previous release's sampled at 0.25).
    const ticks = [...output.matchAll(/\[tick \d+ [\d:]+\] (\d+) reports from (\d+) installs accepted .*v29\.1\.0: 2\d installs, \d+ requests, ([\d.]+)% errors/g)];
    expect(ticks.length).toBeGreaterThanOrEqual(15);
    expect(Number(ticks[0]![1])).toBe(200);
    const rates = ticks.map((m) => Number(m[3]));
    expect(Math.max(...rates.slice(0, 10))).toBeLessThan(3);
    expect(Math.max(...rates)).toBeGreaterThan(8);
    expect(output).toMatch(/web__v29\.1\.0__alpha: GREEN continue/);
    expect(output).toMatch(/RED rollback/);

    // The rollback reached the stand-ins over HTTP: the dispatch and a Hosting release of the previous version.
    expect(output).toMatch(/stand-in GitHub received POST \/repos\/acme\/app\/dispatches \(auto-rollback, version v29\.1\.0, rollback_id \S+\)/);
    expect(output).toMatch(/stand-in Hosting received POST \/v1beta1\/sites\/demo-site\/channels\/alpha\/releases versionName=sites\/demo-site\/versions\/v29-0-0/);
    const canary = (await store.db.doc('canaries/web__v29.1.0__alpha').get()).data()!;
    expect(canary.status).toBe('rolled_back');
    expect(canary.rollback.steps).toMatchObject({ dispatch: 'done', hosting_release: 'done' });

    // The installs moved back to what Hosting serves, and their reports confirmed the recovery.
    expect(output).toMatch(/recovery watch: recovered/);
    expect(canary.incident.recoveredAt).toEqual(expect.any(Number));
    const afterRollback = output.slice(output.indexOf('RED rollback'));
    expect(afterRollback).toMatch(/reports from \d+ installs accepted for [\d:]+ \(v29\.0\.0: \d+ of 200 \(sampleRate 0\.25\) installs/);

    // What the evaluation read is what the ingest stored: the canary's installs, in telemetry.
    const read = await createFirestoreTelemetryAggregates(store.db).read({ platform: 'web', release: 'v29.1.0', from: canary.createdAt - 3_600_000, to: Date.now() + 3_600_000 });
    expect(read.ok && read.installs.all).toBeGreaterThanOrEqual(21);

    const actions = (await store.db.collection('admin_audit').get()).docs.map((d) => d.data().action as string);
    expect(actions).toEqual(expect.arrayContaining(['auto_rollback', 'rollback_completed', 'rollback_recovered']));
    expect(output).toMatch(/audit trail intact/);
  }, 300_000);
});
