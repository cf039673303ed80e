import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Frame } from 'puppeteer-core';
import { createFirestoreTelemetryAggregates } from '../../src/adapters/firestore';
import { describeInBrowser, launchBrowser, testOutputDir } from '../support/browser';
import { testFirestore } from '../support/firestore';
import { startLocalRunner, STORY, type RunningLocalRunner } from './local-runner-harness';

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
 * Issue 13's "done when" for the demo: headless Chromium opens /demo/ on the local runner, run as
 * `npm start -- --wait-for-break` runs (it registers the story's canary before the first report, so
 * no install is ever answered the baseline's sampleRate for it; no credentials, so the rollback
 * goes to its own stand-ins of GitHub and Hosting). The canary stays green while nobody clicks;
 * the click breaks it, the page fails requests at the scenario's rate and reports them with
 * clients/web, the canary is rolled back, and the page shows it; a screenshot is saved.
 */
describeInBrowser('the demo page on the local runner', () => {
  const store = testFirestore('demo-page');
  let runner: RunningLocalRunner;
  let browser: Browser;

  beforeAll(async () => {
    runner = await startLocalRunner([STORY, '--wait-for-break'], {
      GCLOUD_PROJECT: store.projectId,
      LOCAL_TICK_MS: '1000',
      LOCAL_API_KEY: KEY,
      GITHUB_TOKEN: '',
      GOOGLE_ACCESS_TOKEN: '',
      GOOGLE_APPLICATION_CREDENTIALS: '',
    });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await runner?.stop();
    // What the runner printed, beside the screenshot: the story as a person would have seen it.
    if (runner) writeFileSync(join(testOutputDir('demo-page'), 'runner-output.txt'), runner.output());
    await store.close();
  });

  it('rolls the canary back because "Break the canary" was clicked: green until then, failing at the scenario\'s rate after', async () => {
    const { baseUrl } = runner;
    const canaryId = await until('the story canary to be registered', async () => /registered canary (\S+)/.exec(runner.output())?.[1], 20_000);
    expect(runner.output()).toContain(`${baseUrl}/demo/`);
    const page = await browser.newPage();
    await page.setViewport({ width: 1200, height: 760 });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String((e as Error).message ?? e)));
    await page.goto(`${baseUrl}/demo/`, { waitUntil: 'load' });
    await page.waitForSelector('#state');

    type State = { failRate: number; baseRate: number; broken: boolean; waitForBreak: boolean; canaryInstalls: number; canary: { id: string; status: string; verdict: string | null } | null };
    const readState = async () => (await (await fetch(`${baseUrl}/demo/state.json`)).json()) as State;
    const state = await readState();
    // degrading-alpha's worst canary window: 42 errors in 287 requests.
    expect(state.failRate).toBeCloseTo(42 / 287, 6);
    expect(state).toMatchObject({ broken: false, waitForBreak: true });

    // Nobody clicked: past the windows where the scenario's own canary degrades (from window 12), the canary is still green.
    await until('16 ticks', async () => /\[tick 16 /.test(runner.output()), 60_000);
    const before = await readState();
    expect(before.canary).toMatchObject({ id: canaryId, status: 'running', verdict: 'green' });
    expect(runner.output()).not.toContain('rollback_requested');

    const canaryFrame = await until('the canary frame', async () => page.frames().find((f) => f.url().includes('release=v29.1.0')), 10_000);
    const previousFrame = await until('the previous frame', async () => page.frames().find((f) => f.url().includes('release=v29.0.0') && !f.url().includes('side=canary')), 10_000);
    type Counts = { ok: number; failed: number };
    // The counts of the canary release's page, or undefined once its frame left it (the rollback loads the previous release there).
    const counts = async (frame: Frame): Promise<(Counts & { release: string }) | undefined> => {
      if (frame.detached) return undefined;
      const c = (await frame.evaluate('window.demoCounts ? { ...window.demoCounts, release: document.querySelector(\'meta[name="canary-release"]\').content } : null').catch(() => null)) as (Counts & { release: string }) | null;
      return c && typeof c.ok === 'number' ? c : undefined;
    };
    const atBreak = await until('the canary page to work', async () => {
      const c = await counts(canaryFrame);
      return c && c.ok + c.failed >= 4 && c;
    }, 20_000);

    await page.click('#break');
    await until('the runner to say the canary was broken', async () => /demo: the canary v29\.1\.0 was broken from/.test(runner.output()), 10_000);
    // The canary's page works (a request every 250 ms) until the rollback sends its frame to the previous release.
    let broken = { ok: 0, failed: 0 };
    for (;;) {
      const c = await counts(canaryFrame);
      if (!c || c.release !== 'v29.1.0' || c.ok < atBreak.ok) break;
      broken = { ok: c.ok - atBreak.ok, failed: c.failed - atBreak.failed };
      if (broken.ok + broken.failed >= 60) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // The rollback can come within a few story minutes (seconds): the page's own count is small, the endpoint's below is not.
    expect(broken.ok + broken.failed).toBeGreaterThanOrEqual(4);
    expect(consistent(broken.failed, broken.ok + broken.failed, state.failRate)).toBe(true);
    // The endpoint itself, sampled 400 times: the broken canary fails at the scenario's rate.
    let failed = 0;
    for (let i = 0; i < 400; i++) if ((await fetch(`${baseUrl}/demo/work?release=v29.1.0`)).status === 503) failed++;
    expect(consistent(failed, 400, state.failRate)).toBe(true);
    const previous = (await counts(previousFrame))!;
    expect(consistent(previous.failed, previous.ok + previous.failed, state.baseRate)).toBe(true);

    // The rollback: the page says so, and the canary's frame now loads what the stand-in Hosting serves, the previous release.
    await page.waitForFunction(`document.getElementById('status')?.textContent === 'rolled_back'`, { timeout: 90_000 });
    await page.waitForFunction(`document.getElementById('canary').src.includes('release=v29.0.0')`, { timeout: 10_000 });
    expect(runner.output()).toMatch(/stand-in Hosting received POST \/v1beta1\/sites\/demo-site\/channels\/alpha\/releases/);
    expect(runner.output()).toMatch(new RegExp(`${canaryId}: status \\S+ -> rollback_requested: [^\\n]*[Ee]rror rate`));
    await new Promise((r) => setTimeout(r, 1500));
    const shot = join(testOutputDir('demo-page'), 'rolled-back.png');
    await page.screenshot({ path: shot, fullPage: true });

    // The page's own reports reached the ingest as the canary release and were counted: the
    // simulated installs report no sessions, the page's page loads are sessions; and in some minute
    // one install more than the simulated canary installs reported the release.
    const now = Date.now();
    const read = await createFirestoreTelemetryAggregates(store.db).read({ platform: 'web', release: 'v29.1.0', from: Math.floor(now / 60_000) * 60_000 - 3_600_000, to: Math.floor(now / 60_000) * 60_000 + 7_200_000 });
    if (!read.ok) throw new Error(read.error);
    expect(read.minutes.reduce((a, m) => a + m.errors, 0)).toBeGreaterThan(0);
    expect(read.minutes.reduce((a, m) => a + m.sessions, 0)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...read.minutes.map((m) => m.installs))).toBe(state.canaryInstalls + 1);
    expect(pageErrors).toEqual([]);
    process.stdout.write(`demo page screenshot: ${shot}\n`);
  }, 180_000);
});
