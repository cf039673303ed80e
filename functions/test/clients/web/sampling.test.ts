import { describeInBrowser } from '../../support/browser';
import { flush, openPage, pageHtml, recorded, servePage, startWorld, type WebClientWorld } from './harness';

/** The sampling hash the client's README documents: FNV-1a (32 bit) of the install id, over 2^32. */
function sampleHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 2 ** 32;
}

/** The first install id of the form `install-<n>` whose hash falls on the wanted side of the rate. */
function installWhere(inside: boolean, rate: number): string {
  for (let n = 0; ; n++) if (sampleHash(`install-${n}`) < rate === inside) return `install-${n}`;
}

describeInBrowser("the web client honours the server's sampleRate", () => {
  let world: WebClientWorld;
  // The key samples releases that are not a live canary at 0.5 (no canary is registered here).
  beforeAll(async () => {
    world = await startWorld('web-sampling', { sampleRate: 0.5 });
  });
  afterAll(async () => world?.close());

  it('keeps reporting from an install whose hash falls below the rate and stops the others, across reloads', async () => {
    const url = servePage(world, '/sampled', pageHtml({ api: world.ingest.url, key: world.key }, { release: 'v1.9.0', channel: 'stable' }));
    const pages = [];
    for (const [install, calls] of [
      [installWhere(true, 0.5), 3],
      [installWhere(false, 0.5), 7],
    ] as const) {
      const setInstall = `localStorage.setItem('canary-telemetry:install', ${JSON.stringify(JSON.stringify(install))})`;
      pages.push({ install, calls, ...(await openPage(world, url, setInstall)) });
    }
    for (const p of pages) expect(await p.page.evaluate(`JSON.parse(localStorage.getItem('canary-telemetry:install'))`)).toBe(p.install);
    // Round 1: neither install knows the rate yet; both report and learn 0.5.
    for (const p of pages) await flush(p.page);
    const first = await recorded(world, 'v1.9.0');
    expect(first).toMatchObject({ installs: 2, sessions: 2, requests: 2 });
    for (const p of pages) expect(await p.page.evaluate(`JSON.parse(localStorage.getItem('canary-telemetry:rate:v1.9.0')).rate`)).toBe(0.5);

    // Round 2, after a reload: only the install inside the sample reports its page load and calls.
    for (const p of pages) {
      await p.page.reload({ waitUntil: 'load' });
      await p.page.waitForFunction('window.telemetryStarted === true');
      await p.page.evaluate(`Promise.all(Array.from({ length: ${p.calls} }, () => fetch('/app/200')))`);
      await flush(p.page);
    }
    const second = await recorded(world, 'v1.9.0');
    expect(second.installs).toBe(2);
    expect(second.requests - first.requests).toBe(1 + 3);
    expect(second.sessions - first.sessions).toBe(1);
    for (const p of pages) expect(p.pageErrors).toEqual([]);
    for (const p of pages) await p.context.close();
  });
});
