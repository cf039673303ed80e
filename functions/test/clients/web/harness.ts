import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'puppeteer-core';
import { createFirestoreTelemetryAggregates } from '../../../src/adapters/firestore';
import { bundleWebClient } from '../../../src/cli/web-client-bundle';
import type { IngestKey, TelemetryMinute } from '../../../src/ports';
import { FakeHttpServer, type FakeReply, type RecordedRequest } from '../../fakes/http-fake';
import { call } from '../../http/harness';
import { addKey, startIngest, type IngestServer } from '../../http/telemetry/harness';
import { launchBrowser } from '../../support/browser';
import { testFirestore } from '../../support/firestore';

/** Real time: the browser stamps windows with its own clock, so the server must read the same one. */
const realClock = { ms: 0, now: () => Date.now() };

export interface WebClientWorld {
  fs: ReturnType<typeof testFirestore>;
  ingest: IngestServer;
  /** Serves the pages, the bundle and the app's own endpoints (`/app/<status>?ms=<delay>`). */
  site: FakeHttpServer;
  /**
   * Stands between the page and the ingest: forwards by default; a test scripts it to fail a send or
   * to lose the answer after the ingest recorded it (the browser sees a network failure).
   */
  gateway: FakeHttpServer;
  key: string;
  browser: Browser;
  /** An origin nothing listens on (a network failure). */
  deadOrigin: string;
  close(): Promise<void>;
}

export async function startWorld(label: string, keyOver: Partial<IngestKey> = {}, verifyAppCheck?: (token: string) => Promise<unknown>): Promise<WebClientWorld> {
  const fs = testFirestore(label);
  const ingest = await startIngest(fs.db, realClock, verifyAppCheck ? { verifyAppCheck } : {});
  const { code } = await bundleWebClient();
  const site = new FakeHttpServer();
  await site.start();
  site.on('GET', '/canary-telemetry.js', { headers: { 'content-type': 'text/javascript' }, body: code });
  site.on('GET', /^\/app\/\d{3}$/, (req) => ({ status: Number(req.path.slice(5)), body: { ok: true }, delayMs: Number(req.query.get('ms') ?? 0) }));
  const gateway = new FakeHttpServer();
  await gateway.start();
  forwardAll(gateway, ingest.url);
  const key = (await addKey(fs.db, { platforms: ['web'], origins: [site.url], ...keyOver })).key;
  const dead = createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const deadOrigin = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
  await new Promise<void>((r) => dead.close(() => r()));
  const browser = await launchBrowser();
  return {
    fs,
    ingest,
    site,
    gateway,
    key,
    browser,
    deadOrigin,
    async close() {
      await browser.close();
      await gateway.stop();
      await site.stop();
      await ingest.close();
      await fs.close();
    },
  };
}

/** What the ingest answers for this request, passed back with its CORS headers. */
export async function forward(req: RecordedRequest, ingestUrl: string): Promise<FakeReply> {
  const headers: Record<string, string> = {};
  for (const h of ['origin', 'content-type', 'x-firebase-appcheck']) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h];
  const reply = await call(ingestUrl, req.method, `${req.path}?${req.query.toString()}`, { headers, ...(req.method === 'POST' ? { body: req.rawBody } : {}) });
  const out: Record<string, string> = {};
  for (const [h, v] of Object.entries(reply.headers)) if (h.startsWith('access-control-') && typeof v === 'string') out[h] = v;
  return { status: reply.status, headers: out, body: reply.text };
}

export function forwardAll(gateway: FakeHttpServer, ingestUrl: string): void {
  gateway.on('POST', '/v1/telemetry', (req) => forward(req, ingestUrl));
  gateway.on('OPTIONS', '/v1/telemetry', (req) => forward(req, ingestUrl));
}

/** A page of the test site that starts the client with these options (release and channel from its meta tags). */
export function pageHtml(options: Record<string, unknown>, meta = { release: 'v2.0.0', channel: 'alpha' }): string {
  return `<!doctype html><html><head>
<meta name="canary-release" content="${meta.release}"><meta name="canary-channel" content="${meta.channel}">
<script type="module">
import { startCanaryTelemetry } from '/canary-telemetry.js';
window.telemetry = startCanaryTelemetry(${JSON.stringify(options)});
window.telemetryStarted = true;
</script></head><body><p>test page</p></body></html>`;
}

/** Serves `html` at `path` on the site. */
export function servePage(world: WebClientWorld, path: string, html: string): string {
  world.site.on('GET', path, { headers: { 'content-type': 'text/html; charset=utf-8' }, body: html });
  return world.site.url + path;
}

/** A fresh browser profile (its own localStorage) with a page open at `url`, the client started; `beforeEveryLoad` runs in the page before its scripts. */
export async function openPage(world: WebClientWorld, url: string, beforeEveryLoad?: string): Promise<{ context: BrowserContext; page: Page; pageErrors: string[] }> {
  const ctx = await world.browser.createBrowserContext();
  const page = await ctx.newPage();
  if (beforeEveryLoad) await page.evaluateOnNewDocument(beforeEveryLoad);
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(String((e as Error).message ?? e)));
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction('window.telemetryStarted === true');
  return { context: ctx, page, pageErrors };
}

/** Sends what the page counted and waits for the answers. */
export async function flush(page: Page): Promise<void> {
  await page.evaluate('window.telemetry.flush()');
}

/** What the ingest recorded for a release, summed over the last and next hour. */
export async function recorded(world: WebClientWorld, release = 'v2.0.0') {
  const now = Date.now();
  const from = Math.floor(now / 60_000) * 60_000 - 60 * 60_000;
  const read = await createFirestoreTelemetryAggregates(world.fs.db).read({ platform: 'web', release, from, to: from + 2 * 60 * 60_000 });
  if (!read.ok) throw new Error(read.error);
  const sum = (f: (m: TelemetryMinute) => number) => read.minutes.reduce((a, m) => a + f(m), 0);
  const latency: Record<number, number> = {};
  for (const m of read.minutes) m.latency.forEach((n, i) => n > 0 && (latency[i] = (latency[i] ?? 0) + n));
  return {
    installs: read.installs.all,
    requests: sum((m) => m.requests),
    errors: sum((m) => m.errors),
    clientErrors: sum((m) => m.clientErrors),
    sessions: sum((m) => m.sessions),
    latency,
  };
}

/** The telemetry batches a page sent through the gateway, parsed. */
export function sentBatches(world: WebClientWorld): { batchId: string; installId: string; release: string; via: string; raw: RecordedRequest }[] {
  return world.gateway.calls('POST', '/v1/telemetry').map((r) => {
    const body = JSON.parse(r.rawBody) as { batchId: string; installId: string; release: string };
    return { batchId: body.batchId, installId: body.installId, release: body.release, via: String(r.headers['sec-fetch-mode']), raw: r };
  });
}
