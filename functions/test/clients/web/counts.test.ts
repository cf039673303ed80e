import { latencyBucket } from '../../../src/core/latency-buckets';
import { describeInBrowser } from '../../support/browser';
import { flush, openPage, pageHtml, recorded, servePage, startWorld, type WebClientWorld } from './harness';

/**
 * clients/web in headless Chromium against the real ingest app on a test Firestore: what the page
 * did is what the server aggregated.
 */
describeInBrowser('the web client counts what a page did, and the ingest aggregates it', () => {
  let world: WebClientWorld;
  beforeAll(async () => {
    world = await startWorld('web-counts');
  });
  afterAll(async () => world?.close());

  it('reports the page load, 5xx, network failures, 4xx, uncaught errors and latency, and only for the configured origins', async () => {
    const url = servePage(world, '/counts', pageHtml({ api: world.ingest.url, key: world.key, origins: [world.site.url, world.deadOrigin] }));
    const { page, pageErrors } = await openPage(world, url);
    // In the page (a string: the test's TypeScript has no DOM types).
    const outcome = await page.evaluate(`(async () => {
      const statuses = [];
      let slowest = 0;
      for (const path of ['/app/200?ms=150', '/app/200?ms=150', '/app/201', '/app/503', '/app/404', '/app/429']) {
        const t0 = performance.now();
        statuses.push((await fetch(path)).status);
        slowest = Math.max(slowest, performance.now() - t0);
      }
      await fetch('${world.deadOrigin}/gone').catch((e) => statuses.push(e.name));
      // Not a configured origin: not counted.
      await fetch('http://localhost:9/elsewhere').catch(() => undefined);
      const x0 = performance.now();
      statuses.push(await new Promise((resolve) => {
        const xhr = new XMLHttpRequest();
        xhr.open('GET', '/app/500?ms=40');
        xhr.onloadend = () => resolve(xhr.status);
        xhr.send();
      }));
      slowest = Math.max(slowest, performance.now() - x0);
      // An aborted call is the app's choice: not counted.
      const ac = new AbortController();
      const aborted = fetch('/app/200?ms=2000', { signal: ac.signal }).catch((e) => e.name);
      ac.abort();
      statuses.push(await aborted);
      setTimeout(() => { throw new Error('the app broke'); });
      Promise.reject(new Error('nobody caught this'));
      await new Promise((r) => setTimeout(r, 100));
      return { statuses, slowest };
    })()`) as { statuses: unknown[]; slowest: number };
    expect(outcome.statuses).toEqual([200, 200, 201, 503, 404, 429, 'TypeError', 500, 'AbortError']);
    expect(pageErrors).toEqual(['the app broke', 'nobody caught this']);
    await flush(page);

    const got = await recorded(world);
    // page load 1 + 6 fetches + 1 network failure + 1 XHR + 2 broken-page events
    expect(got.sessions).toBe(1);
    expect(got.requests).toBe(11);
    // 503, the network failure, the XHR's 500, the uncaught error and the unhandled rejection
    expect(got.errors).toBe(5);
    expect(got.clientErrors).toBe(2);
    // Latency of every answered call (7), in the spec's buckets: the two 150 ms calls at or above
    // 150 ms's bucket, and no call above the bucket of the slowest one the page itself timed (the client starts its clock after the page did and stops it before).
    expect(Object.values(got.latency).reduce((a, b) => a + b, 0)).toBe(7);
    const buckets = Object.keys(got.latency).map(Number);
    expect(buckets.filter((b) => b >= latencyBucket(150)).reduce((a, b) => a + got.latency[b]!, 0)).toBeGreaterThanOrEqual(2);
    expect(buckets.filter((b) => b > latencyBucket(outcome.slowest))).toEqual([]);
    await page.browserContext().close();
  });

  it('does not start without a release and channel, and never throws at the page that called it', async () => {
    const url = servePage(world, '/no-meta', pageHtml({ api: world.ingest.url, key: world.key }, { release: '', channel: 'nightly' }));
    const { page, pageErrors } = await openPage(world, url);
    expect(await page.evaluate('window.telemetry === undefined')).toBe(true);
    expect(await page.evaluate(`(async () => (await fetch('/app/200')).status)()`)).toBe(200);
    expect(pageErrors).toEqual([]);
    await page.browserContext().close();
  });

  it('keeps counting and sending when localStorage refuses every write, and hands the app its own answers and failures unchanged', async () => {
    const url = servePage(world, '/no-storage', pageHtml({ api: world.ingest.url, key: world.key }, { release: 'v2.1.0', channel: 'alpha' }));
    const refuse = `Storage.prototype.setItem = function () { throw new DOMException('full', 'QuotaExceededError'); }`;
    const { page, pageErrors } = await openPage(world, url, refuse);
    const seen = await page.evaluate(`(async () => {
      const res = await fetch(new Request('/app/503'));
      const failure = await fetch('${world.deadOrigin}/x').then(() => 'answered', (e) => e instanceof TypeError);
      return { status: res.status, isResponse: res instanceof Response, body: await res.json(), failure };
    })()`);
    expect(seen).toEqual({ status: 503, isResponse: true, body: { ok: true }, failure: true });
    await flush(page);
    // The dead origin is not configured here: the page load and the 503.
    expect(await recorded(world, 'v2.1.0')).toMatchObject({ sessions: 1, requests: 2, errors: 1 });
    expect(pageErrors).toEqual([]);
    await page.browserContext().close();
  });
});
