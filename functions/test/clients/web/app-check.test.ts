import { describeInBrowser } from '../../support/browser';
import { flush, openPage, recorded, servePage, startWorld, type WebClientWorld } from './harness';

function appCheckPage(world: WebClientWorld, release: string, token: string | null): string {
  const option = token === null ? '' : `, getAppCheckToken: async () => ${JSON.stringify(token)}`;
  return `<!doctype html><meta name="canary-release" content="${release}"><meta name="canary-channel" content="alpha">
<script type="module">
import { startCanaryTelemetry } from '/canary-telemetry.js';
window.telemetry = startCanaryTelemetry({ api: ${JSON.stringify(world.ingest.url)}, key: ${JSON.stringify(world.key)}${option} });
window.telemetryStarted = true;
</script>`;
}

describeInBrowser('the web client with a key that requires App Check', () => {
  let world: WebClientWorld;
  beforeAll(async () => {
    world = await startWorld('web-appcheck', { appCheck: true }, (token) => (token === 'valid-token' ? Promise.resolve({}) : Promise.reject(new Error('invalid'))));
  });
  afterAll(async () => world?.close());

  it('sends the token in X-Firebase-AppCheck through the preflight, and the batch is recorded', async () => {
    const { page, pageErrors } = await openPage(world, servePage(world, '/app-check', appCheckPage(world, 'v4.0.0', 'valid-token')));
    await page.evaluate(`fetch('/app/502')`);
    await flush(page);
    expect(await recorded(world, 'v4.0.0')).toMatchObject({ sessions: 1, requests: 2, errors: 1 });
    expect(pageErrors).toEqual([]);
    await page.browserContext().close();
  });

  it('drops a batch the server refuses for good (403 without a token) instead of retrying it forever, and stays silent', async () => {
    const { page, pageErrors } = await openPage(world, servePage(world, '/no-token', appCheckPage(world, 'v4.0.1', null)));
    await flush(page);
    expect(await page.evaluate(`JSON.parse(localStorage.getItem('canary-telemetry:queue:${world.key}'))`)).toEqual([]);
    expect((await recorded(world, 'v4.0.1')).requests).toBe(0);
    expect(pageErrors).toEqual([]);
    await page.browserContext().close();
  });
});
