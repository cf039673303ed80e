import { describeInBrowser } from '../../support/browser';
import { flush, forward, openPage, pageHtml, recorded, sentBatches, servePage, startWorld, type WebClientWorld } from './harness';

const queueOf = (key: string) => `JSON.parse(localStorage.getItem('canary-telemetry:queue:${key}') ?? '[]').map((b) => b.batchId)`;

/** How batches reach the ingest: lost answers, outages, reloads and leaving the page. */
describeInBrowser('the web client delivers every batch once', () => {
  let world: WebClientWorld;
  beforeAll(async () => {
    world = await startWorld('web-delivery');
  });
  afterAll(async () => world?.close());
  beforeEach(() => {
    world.gateway.requests.length = 0;
  });

  it('retries a batch whose answer was lost with the same batchId, and the server counts it once', async () => {
    const url = servePage(world, '/lost', pageHtml({ api: world.gateway.url, key: world.key }, { release: 'v3.0.0', channel: 'beta' }));
    // The ingest records the first send, but the browser never sees the answer.
    let first = true;
    world.gateway.on('POST', '/v1/telemetry', async (req) => {
      const reply = await forward(req, world.ingest.url);
      if (!first) return reply;
      first = false;
      return { ...reply, dropResponse: true };
    });
    const { page, pageErrors } = await openPage(world, url);
    await page.evaluate(`Promise.all([fetch('/app/200'), fetch('/app/503')])`);
    await flush(page);
    const kept = (await page.evaluate(queueOf(world.key))) as string[];
    expect(kept).toHaveLength(1);
    expect(await recorded(world, 'v3.0.0')).toMatchObject({ sessions: 1, requests: 3, errors: 1 });

    await flush(page);
    const sent = sentBatches(world);
    expect(sent.map((b) => b.batchId)).toEqual([kept[0], kept[0]]);
    expect(await page.evaluate(queueOf(world.key))).toEqual([]);
    expect(await recorded(world, 'v3.0.0')).toMatchObject({ sessions: 1, requests: 3, errors: 1 });
    expect(pageErrors).toEqual([]);
    await page.browserContext().close();
  });

  it('keeps batches in localStorage through an outage and a reload, and sends them from the next page with their batchId', async () => {
    const url = servePage(world, '/outage', pageHtml({ api: world.gateway.url, key: world.key }, { release: 'v3.1.0', channel: 'beta' }));
    let down = true;
    world.gateway.on('POST', '/v1/telemetry', (req) => (down ? { status: 503, body: { error: 'down' }, headers: { 'access-control-allow-origin': String(req.headers.origin) } } : forward(req, world.ingest.url)));
    const { page, pageErrors } = await openPage(world, url);
    await page.evaluate(`Promise.all([fetch('/app/200'), fetch('/app/200'), fetch('/app/500')])`);
    await flush(page);
    const kept = (await page.evaluate(queueOf(world.key))) as string[];
    expect(kept).toHaveLength(1);
    expect((await recorded(world, 'v3.1.0')).requests).toBe(0);

    down = false;
    await page.reload({ waitUntil: 'load' });
    await page.waitForFunction('window.telemetryStarted === true');
    await flush(page);
    const sent = sentBatches(world).filter((b) => b.release === 'v3.1.0');
    expect(sent.filter((b) => b.batchId === kept[0]).length).toBeGreaterThanOrEqual(2);
    expect(await page.evaluate(queueOf(world.key))).toEqual([]);
    // The first page's batch (its load and three calls) and the second page's load, each once.
    expect(await recorded(world, 'v3.1.0')).toMatchObject({ sessions: 2, requests: 5, errors: 1, installs: 1 });
    expect(pageErrors).toEqual([]);
    await page.browserContext().close();
  });

  it('sends with sendBeacon when the page is left, and the next page confirms the batch without counting it twice', async () => {
    const url = servePage(world, '/leave', pageHtml({ api: world.gateway.url, key: world.key }, { release: 'v3.2.0', channel: 'beta' }));
    const { page } = await openPage(world, url);
    await page.evaluate(`fetch('/app/404')`);
    await page.goto('about:blank');
    await waitFor(() => sentBatches(world).some((b) => b.release === 'v3.2.0'));
    const beacon = sentBatches(world).find((b) => b.release === 'v3.2.0')!;
    // A beacon of text/plain is a no-cors request; the client's own fetch sends are cors.
    expect(beacon.via).toBe('no-cors');
    expect(beacon.raw.headers['content-type']).toMatch(/^text\/plain/);
    await waitFor(async () => (await recorded(world, 'v3.2.0')).requests === 2);

    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction('window.telemetryStarted === true');
    await flush(page);
    expect(sentBatches(world).filter((b) => b.batchId === beacon.batchId).map((b) => b.via)).toEqual(['no-cors', 'cors']);
    expect(await page.evaluate(queueOf(world.key))).toEqual([]);
    expect(await recorded(world, 'v3.2.0')).toMatchObject({ sessions: 2, requests: 3, clientErrors: 1 });
    await page.browserContext().close();
  });
});

async function waitFor(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
