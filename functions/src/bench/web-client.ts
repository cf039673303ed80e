/**
 * npm run bench:client — what clients/web adds to each `fetch` the page makes, in headless
 * Chromium: the same 20,000 calls (to a counted origin, answered at once by a stub so the network
 * does not drown the figure) timed before and after startCanaryTelemetry wrapped fetch, each
 * promise and the client's bookkeeping settled. Prints the figure and the target.
 */
import { existsSync } from 'node:fs';
import { bundleWebClient } from '../cli/web-client-bundle';

const TARGET_US = 20;
const CALLS = 20_000;

const measure = `(async () => {
  const run = async () => {
    const t0 = performance.now();
    for (let i = 0; i < ${CALLS}; i += 100) {
      await Promise.all(Array.from({ length: 100 }, () => fetch('http://127.0.0.1:1/api/item?i=' + i)));
      await new Promise((r) => setTimeout(r, 0));
    }
    return ((performance.now() - t0) * 1000) / ${CALLS};
  };
  await run();
  const samples = [];
  for (let k = 0; k < 5; k++) samples.push(await run());
  return samples.sort((a, b) => a - b)[2];
})()`;

async function main(): Promise<void> {
  const chromium = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && existsSync(p));
  if (!chromium) throw new Error('no chromium: apt-get install chromium, or set CHROMIUM_PATH');
  const bundle = await bundleWebClient();
  const puppeteer = await import('puppeteer-core');
  const browser = await puppeteer.launch({ executablePath: chromium, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><title>bench</title>');
    await page.evaluate(`window.fetch = () => Promise.resolve(new Response(null, { status: 200 }))`);
    const bare = (await page.evaluate(measure)) as number;
    // The published module, its export turned into a global (an inline script cannot be imported from).
    const code = bundle.code.replace(/export\s*\{\s*(\w+) as startCanaryTelemetry\s*\};?\s*$/, 'window.startCanaryTelemetry = $1;');
    await page.addScriptTag({ content: code });
    const started = await page.evaluate(`!!window.startCanaryTelemetry({ api: 'http://127.0.0.1:9', key: 'cgt_bench', release: 'v1.0.0', channel: 'alpha', origins: ['http://127.0.0.1:1'] })`);
    if (!started) throw new Error('the client did not start');
    const wrapped = (await page.evaluate(measure)) as number;
    const added = wrapped - bare;
    process.stdout.write(
      [
        `clients/web, cost per fetch in headless Chromium (${CALLS} calls, median of 5 runs):`,
        `  bare fetch (stub)     ${bare.toFixed(2)} µs`,
        `  wrapped, counted      ${wrapped.toFixed(2)} µs`,
        `  added by the wrapper  ${added.toFixed(2)} µs per call   target <= ${TARGET_US} µs: ${added <= TARGET_US ? 'met' : 'NOT met'}`,
        `  bundle                ${bundle.gzippedBytes} bytes gzipped (budget 3072)`,
        '',
      ].join('\n'),
    );
  } finally {
    await browser.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:client failed: ${String((err as Error)?.message ?? err)}\n`);
  process.exit(1);
});
