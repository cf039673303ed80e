import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { FakeGitHub } from '../fakes/github-releases';
import { FakeHosting } from '../fakes/hosting-server';
import { describeInBrowser, launchBrowser, testOutputDir } from '../support/browser';
import { testFirestore } from '../support/firestore';
import { FUNCTIONS_DIR, STORY, startLocalRunner, type RunningLocalRunner } from './local-runner-harness';

const KEY = 'status-page-key-0123456789';
const IMAGES = resolve(FUNCTIONS_DIR, '..', 'docs', 'images');
/** Page-side code is written as strings: this project's tsconfig has no DOM types. */
const text = (selector: string) => `(document.querySelector(${JSON.stringify(selector)})?.textContent ?? '')`;

/**
 * The done-when of the status page: headless Chromium signs in to the page the local runner serves,
 * watches the story's canary turn red and get rolled back without a reload, and reads the chart's
 * own data for the threshold and the rollback marker (not pixels).
 */
describeInBrowser('the status page served by the local runner', () => {
  const store = testFirestore('status-page-e2e');
  let runner: RunningLocalRunner;
  let browser: Browser;
  let page: Page;
  const out = testOutputDir('status-page');
  const pageErrors: string[] = [];
  const failedRequests: string[] = [];

  const github = new FakeGitHub('acme', 'app');
  const hosting = new FakeHosting();

  beforeAll(async () => {
    // GitHub and Hosting fakes, so the story's rollback really runs (without them it is a dry run
    // that records what it would send and waits for a human).
    await Promise.all([github.server.start(), hosting.server.start()]);
    hosting.seed('sites/demo-site/channels/alpha', [
      { version: 'sites/demo-site/versions/good', message: 'v29.0.0' },
      { version: 'sites/demo-site/versions/bad', message: 'v29.1.0' },
    ]);
    runner = await startLocalRunner([STORY, '--no-register'], {
      GCLOUD_PROJECT: store.projectId,
      LOCAL_TICK_MS: '600',
      LOCAL_API_KEY: KEY,
      GITHUB_TOKEN: 'status-page-github-token',
      GITHUB_API_URL: github.server.url,
      DEFAULT_REPOSITORY: 'acme/app',
      GOOGLE_ACCESS_TOKEN: 'status-page-google-token',
      HOSTING_ROOT_URL: `${hosting.server.url}/`,
    });
    browser = await launchBrowser();
    page = await browser.newPage();
    page.on('pageerror', (err) => pageErrors.push(String((err as Error).message ?? err)));
    page.on('response', (res) => {
      if (res.status() >= 400) failedRequests.push(`${res.status()} ${new URL(res.url()).pathname}`);
    });
    await page.setViewport({ width: 1200, height: 900 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await runner?.stop();
    await Promise.all([github.server.stop(), hosting.server.stop()]);
    await store.close();
  });

  it('signs in with the runner’s key, follows the canary to red and rolled back live, and draws threshold and rollback marker', async () => {
    await page.goto(`${runner.baseUrl}/status/`);
    // Marks this document: a reload would lose it.
    await page.evaluate("window.loadMark = 'first-load'");
    await page.waitForSelector('#key');
    await page.type('#key', 'wrong-key-000000');
    await page.keyboard.press('Enter');
    await page.waitForFunction(`/Not accepted/.test(${text('[role=alert]')})`);
    await page.evaluate("document.querySelector('#key').value = ''");
    await page.type('#key', KEY);
    await page.keyboard.press('Enter');
    await page.waitForFunction(`/No canary yet/.test(${text('table.canaries tbody')})`, { timeout: 10_000 });
    // The wrong key's 401; from here on no request may fail.
    expect(failedRequests).toEqual(['401 /canaries']);
    failedRequests.length = 0;

    // CI registers the story's release after the page is open: the list shows it without a reload.
    const registered = await fetch(`${runner.baseUrl}/canaries`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ platform: 'web', release: 'v29.1.0', previousRelease: 'v29.0.0', channel: 'alpha', target: { repository: 'acme/app', hostingSite: 'demo-site', hostingChannel: 'alpha' } }),
    });
    expect(registered.status).toBe(201);
    const id = ((await registered.json()) as { id: string }).id;
    await page.waitForSelector(`tr[data-canary="${id}"]`, { timeout: 20_000 });
    const row = await page.$eval(`tr[data-canary="${id}"]`, (el) => el.textContent ?? '');
    expect(row).toMatch(/web/);
    expect(row).toMatch(/alpha · stage 1 · 10 %/);

    // To the canary's page by keyboard, as a person without a mouse would.
    await page.focus(`tr[data-canary="${id}"] a`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('section.charts figure[data-metric="error_rate"]', { timeout: 20_000 }).catch(async (err: unknown) => {
      await page.screenshot({ path: join(out, 'failed.png'), fullPage: true });
      throw new Error(`${String(err)}\npage errors: ${pageErrors.join('\n')}\nmain: ${await page.$eval('main', (el) => el.textContent)}`);
    });

    // The verdict turns red (in words, not only colour), then the canary is rolled back.
    await page.waitForFunction("document.querySelector('table.decisions [data-verdict=red]') !== null", { timeout: 60_000 });
    await page.waitForFunction("document.querySelector('.facts [data-status]')?.getAttribute('data-status') === 'rolled_back'", { timeout: 60_000 });
    await page.waitForFunction(`/RED/.test(${text('figure[data-metric="error_rate"] .verdict')})`, { timeout: 20_000 });
    await page.waitForSelector('section.incident', { timeout: 20_000 });
    expect(await page.evaluate('window.loadMark')).toBe('first-load');

    // The chart's own data: a threshold series at the alpha error-rate threshold (5 %), and the rollback marker.
    const chart = (await page.evaluate(`(() => {
      const c = window.statusCharts.error_rate;
      return {
        labels: c.plot.series.map((s) => s.label),
        threshold: c.plot.data[3],
        canaryMax: Math.max(...c.plot.data[1].filter((v) => v !== null)),
        markers: c.markers.map((m) => m.kind),
        windows: c.windows,
      };
    })()`)) as { labels: string[]; threshold: (number | null)[]; canaryMax: number; markers: string[]; windows: string[] };
    expect(chart.labels).toEqual(expect.arrayContaining(['canary', 'baseline', 'threshold']));
    expect(new Set(chart.threshold)).toEqual(new Set([5]));
    expect(chart.canaryMax).toBeGreaterThan(5);
    expect(chart.markers).toContain('rollback');
    expect(chart.markers).toContain('rolled_back');
    expect(chart.windows).toContain('red');
    expect(chart.windows).toContain('green');
    expect(await page.$$eval('ul.markers li[data-kind="rollback"]', (els) => els.map((e) => e.textContent))).toEqual([expect.stringMatching(/rollback decided: Error rate/)]);

    await page.screenshot({ path: join(out, 'canary.png'), fullPage: true });
    await page.setViewport({ width: 1200, height: 900 });
    const canaryShot = join(out, 'canary-charts.png');
    const charts = await page.$('section.charts');
    await charts!.screenshot({ path: canaryShot });
    mkdirSync(IMAGES, { recursive: true });
    copyFileSync(canaryShot, join(IMAGES, 'status-canary.png'));

    // Back to the list (history, no reload): it shows the canary rolled back.
    await page.goBack();
    await page.waitForSelector(`tr[data-canary="${id}"][data-status="rolled_back"]`, { timeout: 20_000 });
    expect(await page.$eval(`tr[data-canary="${id}"]`, (el) => el.textContent ?? '')).toMatch(/rolled back/);
    await page.screenshot({ path: join(out, 'list.png'), fullPage: true });

    // The audit trail: filtered to the rollback, with the seal's state. The runner seals once its
    // story is over (after the recovery watch), which can come after the list shows rolled_back.
    const sealBy = Date.now() + 60_000;
    while (!/audit seal: /.test(runner.output()) && Date.now() < sealBy) await new Promise((r) => setTimeout(r, 200));
    await page.click('nav a[href="/status/audit"]');
    await page.waitForSelector('#f-action');
    await page.type('#f-action', 'auto_rollback');
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      "document.querySelectorAll('table.audit tbody tr[data-action]').length > 0 && [...document.querySelectorAll('table.audit tbody tr')].every((r) => r.getAttribute('data-action') === 'auto_rollback')",
      { timeout: 20_000 },
    );
    await page.waitForFunction(`!/Checking/.test(${text('.seal')} || 'Checking')`, { timeout: 20_000 });
    expect(await page.$eval('.seal', (el) => el.textContent)).toMatch(/^Seal intact: verified up to .+ \(\d+ entries sealed, \d+ newer not sealed yet\)$/);
    await page.screenshot({ path: join(out, 'audit.png'), fullPage: true });
    expect(await page.evaluate('window.loadMark')).toBe('first-load');
    expect(pageErrors).toEqual([]);
    // Only the incident report asked for before the rollback finished writing it (the page says so).
    expect(failedRequests.filter((r) => !/^404 \/incidents\//.test(r))).toEqual([]);
  }, 150_000);
});
