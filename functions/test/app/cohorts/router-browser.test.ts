import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { createFirestoreCanaryStore } from '../../../src/adapters/firestore';
import { createCohortShareStep } from '../../../src/adapters/cohorts/share-step';
import { createCohortRouter } from '../../../src/app/cohorts/router';
import { contextOf } from '../../../src/app/rollback/gates';
import { cohortRouterDeps } from '../../../src/functions/cohort-router-wiring';
import { cohortRouterHandler } from '../../../src/http/cohort-router';
import { sampleCanary } from '../../adapters/firestore/sample-canary';
import type { FakeHttpServer } from '../../fakes/http-fake';
import { describeInBrowser, launchBrowser, testOutputDir } from '../../support/browser';
import { testFirestore } from '../../support/firestore';
import { alphaId, fakeChannel, stableId } from './kit';

/**
 * Hosting in miniature: files the live channel has are served from it, every other path goes to
 * the router (Hosting applies a rewrite only where no file matches).
 */
function hostingFront(live: string, router: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void): Server {
  return createServer((req, res) => {
    if (!(req.url ?? '').startsWith('/assets/')) return router(req, res);
    void fetch(`${live}${req.url}`).then(async (r) => {
      res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/octet-stream' });
      res.end(await r.text());
    });
  });
}

describeInBrowser('web cohorts in a browser', () => {
  let fs: ReturnType<typeof testFirestore>;
  let live: FakeHttpServer, alpha: FakeHttpServer;
  let front: Server;
  let url: string;
  let browser: Browser;
  const out = testOutputDir('web-cohorts');
  const canary = sampleCanary({ id: 'web__v2__alpha', release: 'v2', channel: 'alpha', target: { hostingSite: 'acme' } });

  beforeAll(async () => {
    fs = testFirestore('cohort-browser');
    [live, alpha] = await Promise.all([fakeChannel('v1'), fakeChannel('v2')]);
    await fs.db.doc('config/web_cohorts').set({ site: 'acme', liveUrl: live.url, channelUrls: { alpha: alpha.url }, sharesTtlMs: 300 });
    await createFirestoreCanaryStore(fs.db).createIfAbsent(canary);
    const router = createCohortRouter(cohortRouterDeps(fs.db, { now: () => Date.now() }, { secureCookie: false, logger: { warn: () => undefined, error: () => undefined } }));
    front = hostingFront(live.url, cohortRouterHandler(router));
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => front?.close(r));
    await Promise.all([live?.stop(), alpha?.stop()]);
    await fs?.close();
  });

  async function profile(id: string): Promise<Page> {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.setCookie({ name: '__session', value: `cg1.${id}`, url });
    return page;
  }

  async function load(page: Page): Promise<{ release: string; entry: string; lazyFrom: string; cookie: string | undefined }> {
    await page.goto(`${url}/pricing`, { waitUntil: 'load' });
    await page.waitForSelector('#lazy[data-from]', { timeout: 10_000 });
    return {
      release: await page.$eval('#release', (el) => el.textContent ?? ''),
      entry: await page.$eval('#release', (el) => (el as unknown as { dataset: Record<string, string | undefined> }).dataset.entry ?? ''),
      lazyFrom: await page.$eval('#lazy', (el) => (el as unknown as { dataset: Record<string, string | undefined> }).dataset.from ?? ''),
      cookie: (await page.cookies(url)).find((c) => c.name === '__session')?.value,
    };
  }

  test('two profiles load two releases from one URL; the alpha profile\'s lazy chunk comes from the channel; after a rollback it gets stable on its next navigation, same cookie', async () => {
    const alphaProfile = await profile(alphaId());
    const stableProfile = await profile(stableId());

    const a = await load(alphaProfile);
    const s = await load(stableProfile);
    await alphaProfile.screenshot({ path: join(out, 'alpha-profile-before-rollback.png') });
    await stableProfile.screenshot({ path: join(out, 'stable-profile.png') });
    expect(a.release).toBe('v2');
    expect(a.entry).toBe(`${alpha.url}/assets/index.js`);
    expect(a.lazyFrom).toBe(alpha.url);
    expect(alpha.calls('GET', '/assets/lazy.js').length).toBeGreaterThan(0);
    expect(await alphaProfile.$eval('meta[name="canary-release"]', (m) => m.getAttribute('content'))).toBe('v2');
    expect(s.release).toBe('v1');
    expect(s.lazyFrom).toBe(url);
    expect(await stableProfile.$eval('meta[name="canary-channel"]', (m) => m.getAttribute('content'))).toBe('stable');

    // The rollback's first step, as the rollback runs it: the share goes to 0.
    const step = createCohortShareStep({ canaries: createFirestoreCanaryStore(fs.db), clock: { now: () => Date.now() } });
    const plan = { rollbackTo: 'v1', steps: ['cohort_share' as const], trigger: 'manual' as const, reason: 'browser test', requestedBy: 'test', requestedAt: 0, plannedAt: 0 };
    expect((await step.execute(contextOf(canary, { canaryId: canary.id, generation: 1 }, plan))).status).toBe('done');
    await new Promise((r) => setTimeout(r, 400)); // the router's shares TTL in this test

    const after = await load(alphaProfile);
    await alphaProfile.screenshot({ path: join(out, 'alpha-profile-after-rollback.png') });
    expect(after.release).toBe('v1');
    expect(after.lazyFrom).toBe(url);
    expect(after.cookie).toBe(a.cookie);
    expect(await alphaProfile.$eval('meta[name="canary-channel"]', (m) => m.getAttribute('content'))).toBe('stable');
  }, 90_000);
});
