import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { Browser, Frame } from 'puppeteer-core';
import { createFirestoreTelemetryAggregates } from '../../src/adapters/firestore';
import { FakeGitHub } from '../fakes/github-releases';
import { FakeHosting } from '../fakes/hosting-server';
import { describeInBrowser, launchBrowser, testOutputDir } from '../support/browser';
import { testFirestore } from '../support/firestore';

const FUNCTIONS_DIR = resolve(__dirname, '../..');
const SCENARIO = resolve(FUNCTIONS_DIR, '../examples/degrading-alpha.json');
const KEY = 'demo-key-0123456789abcdef';

/** Failures out of n agree with rate p when within 4 standard deviations (a false alarm about once in 16,000 runs). */
function consistent(failed: number, n: number, p: number): boolean {
  return Math.abs(failed - n * p) <= 4 * Math.sqrt(n * p * (1 - p)) + 1;
}

async function until<T>(what: string, read: () => Promise<T | undefined | null | false>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Issue 13's "done when" for the demo: headless Chromium opens /demo/ on the local runner, breaks
 * the canary, its page fails requests at the scenario's rate and reports them with clients/web to
 * the runner's ingest, the canary is rolled back (GitHub and Hosting fakes stand for the real
 * services) and the page shows it; a screenshot is saved.
 */
describeInBrowser('the demo page on the local runner', () => {
  const store = testFirestore('demo-page');
  const github = new FakeGitHub('acme', 'app');
  const hosting = new FakeHosting();
  let runner: ChildProcess;
  let exited: Promise<number | null>;
  let output = '';
  let baseUrl = '';
  let browser: Browser;

  beforeAll(async () => {
    await Promise.all([github.server.start(), hosting.server.start()]);
    hosting.seed('sites/demo-site/channels/alpha', [
      { version: 'sites/demo-site/versions/good', message: 'v29.0.0' },
      { version: 'sites/demo-site/versions/bad', message: 'v29.1.0' },
    ]);
    runner = spawn(process.execPath, ['lib/cli/run-local.js', SCENARIO, '--no-register'], {
      cwd: FUNCTIONS_DIR,
      env: {
        ...process.env,
        GCLOUD_PROJECT: store.projectId,
        PORT: '0',
        LOCAL_TICK_MS: '1000',
        LOCAL_API_KEY: KEY,
        GITHUB_TOKEN: 'demo-github-token',
        GITHUB_API_URL: github.server.url,
        DEFAULT_REPOSITORY: 'acme/app',
        GOOGLE_ACCESS_TOKEN: 'demo-google-token',
        HOSTING_ROOT_URL: `${hosting.server.url}/`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exited = new Promise((done) => runner.on('exit', (code) => done(code)));
    runner.stdout!.on('data', (d) => (output += d));
    runner.stderr!.on('data', (d) => (output += d));
    baseUrl = await until('the runner to listen', async () => /API listening on (\S+)/.exec(output)?.[1] ?? (runner.exitCode !== null ? Promise.reject(new Error(output)) : null), 30_000);
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (runner && runner.exitCode === null) runner.kill('SIGINT');
    await exited;
    await Promise.all([github.server.stop(), hosting.server.stop()]);
    await store.close();
  });

  it("breaks the canary from the page, fails its requests at the scenario's rate, and shows the rollback", async () => {
    expect(output).toContain(`${baseUrl}/demo/`);
    const page = await browser.newPage();
    await page.setViewport({ width: 1200, height: 760 });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String((e as Error).message ?? e)));
    await page.goto(`${baseUrl}/demo/`, { waitUntil: 'load' });
    await page.waitForSelector('#state');

    // CI registers the release right after deploying it.
    const registered = await fetch(`${baseUrl}/canaries`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ platform: 'web', release: 'v29.1.0', previousRelease: 'v29.0.0', channel: 'alpha', target: { repository: 'acme/app', hostingSite: 'demo-site', hostingChannel: 'alpha' } }),
    });
    expect(registered.status).toBe(201);
    const state = (await (await fetch(`${baseUrl}/demo/state.json`)).json()) as { failRate: number; baseRate: number };
    // degrading-alpha's worst canary window: 42 errors in 287 requests.
    expect(state.failRate).toBeCloseTo(42 / 287, 6);

    await page.click('#break');
    const canaryFrame = await until('the canary frame', async () => page.frames().find((f) => f.url().includes('release=v29.1.0')), 10_000);
    const previousFrame = await until('the previous frame', async () => page.frames().find((f) => f.url().includes('release=v29.0.0') && !f.url().includes('side=canary')), 10_000);
    const counts = (frame: Frame) => frame.evaluate('({ ...window.demoCounts })') as Promise<{ ok: number; failed: number }>;
    // The canary's page works (a request every 250 ms) while the story plays on.
    const broken = await until('60 canary requests', async () => {
      const c = await counts(canaryFrame);
      return c.ok + c.failed >= 60 && c;
    }, 30_000);
    expect(consistent(broken.failed, broken.ok + broken.failed, state.failRate)).toBe(true);
    expect(broken.failed).toBeGreaterThan(0);
    const previous = await counts(previousFrame);
    expect(consistent(previous.failed, previous.ok + previous.failed, state.baseRate)).toBe(true);
    // The endpoint itself, sampled 400 times: the canary fails at the scenario's rate.
    let failed = 0;
    for (let i = 0; i < 400; i++) if ((await fetch(`${baseUrl}/demo/work?release=v29.1.0`)).status === 503) failed++;
    expect(consistent(failed, 400, state.failRate)).toBe(true);

    // The rollback: the page says so, and the canary's frame now loads what Hosting serves, the previous release.
    await page.waitForFunction(`document.getElementById('status')?.textContent === 'rolled_back'`, { timeout: 90_000 });
    await page.waitForFunction(`document.getElementById('canary').src.includes('release=v29.0.0')`, { timeout: 10_000 });
    expect(hosting.current('sites/demo-site/channels/alpha')).toBe('sites/demo-site/versions/good');
    await new Promise((r) => setTimeout(r, 1500));
    const shot = join(testOutputDir('demo-page'), 'rolled-back.png');
    await page.screenshot({ path: shot, fullPage: true });

    // The pages reported with clients/web to the runner's ingest: the canary release's reports hold the failures.
    const now = Date.now();
    const read = await createFirestoreTelemetryAggregates(store.db).read({ platform: 'web', release: 'v29.1.0', from: Math.floor(now / 60_000) * 60_000 - 3_600_000, to: Math.floor(now / 60_000) * 60_000 + 7_200_000 });
    if (!read.ok) throw new Error(read.error);
    expect(read.minutes.reduce((a, m) => a + m.errors, 0)).toBeGreaterThan(0);
    expect(read.minutes.reduce((a, m) => a + m.sessions, 0)).toBeGreaterThanOrEqual(1);
    expect(pageErrors).toEqual([]);
    process.stdout.write(`demo page screenshot: ${shot}\n`);
  }, 150_000);
});
