import { randomBytes } from 'node:crypto';
import { assignCohort, bucketOf } from '../../src/core/cohort';
import { testFirestore } from '../support/firestore';
import { startLocalRunner, STORY, type RunningLocalRunner } from './local-runner-harness';

async function until<T>(what: string, read: () => Promise<T | undefined | null | false>, ms: number, output: () => string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the runner printed:\n${output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A session id (as the router mints them) whose visitor the 10 % alpha split puts in `cohort`. */
function sessionIn(cohort: 'alpha' | 'stable'): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (assignCohort(bucketOf(id), { alpha: { release: 'any', percent: 10 } }, undefined, false) === cohort) return id;
  }
}

/** The release and channel the page is: the build's own heading and the meta the router injects. */
async function visit(baseUrl: string, session: string): Promise<{ status: number; setCookie: string | null; release?: string; meta?: string; channel?: string }> {
  const res = await fetch(`${baseUrl}/app`, { headers: { cookie: `__session=cg1.${session}` } });
  const html = await res.text();
  return {
    status: res.status,
    setCookie: res.headers.get('set-cookie'),
    release: /<h1 id="release">([^<]*)<\/h1>/.exec(html)?.[1],
    meta: /<meta name="canary-release" content="([^"]*)"/.exec(html)?.[1],
    channel: /<meta name="canary-channel" content="([^"]*)"/.exec(html)?.[1],
  };
}

/**
 * Issue 14's "done when" for the local story: the runner serves the demo app through the cohort
 * router at /app, its terminal shows the web canary's share and then 0 at the rollback, and an
 * alpha visitor gets the canary's shell before the rollback and the stable shell after it, with
 * the same cookie. Run with --wait-for-break so the test, not the clock, decides when it breaks.
 */
describe('the local runner serves the demo app through the cohort router', () => {
  const store = testFirestore('local-cohort-router');
  let runner: RunningLocalRunner;

  beforeAll(async () => {
    runner = await startLocalRunner([STORY, '--wait-for-break'], {
      GCLOUD_PROJECT: store.projectId,
      LOCAL_TICK_MS: '1000',
      LOCAL_API_KEY: 'cohort-key-0123456789abcdef',
      GITHUB_TOKEN: '',
      GOOGLE_ACCESS_TOKEN: '',
      GOOGLE_APPLICATION_CREDENTIALS: '',
    });
  }, 60_000);

  afterAll(async () => {
    await runner?.stop();
    await store.close();
  });

  it('sends an alpha visitor to the canary while it runs and to stable after the rollback, with no cookie change, and prints the share going to 0', async () => {
    const { baseUrl, output } = runner;
    expect(output()).toContain(`${baseUrl}/app `);
    await until('the alpha share to be printed', async () => /cohort router \/app: alpha 10 % \(v29\.1\.0\); stable the rest/.test(output()), 30_000, output);
    const alpha = sessionIn('alpha');
    const stable = sessionIn('stable');

    // The share is read at most a second old: the first visit may precede the canary's registration being seen.
    const before = await until('the canary shell for the alpha visitor', async () => {
      const v = await visit(baseUrl, alpha);
      return v.release === 'v29.1.0' && v;
    }, 10_000, output);
    expect(before).toMatchObject({ status: 200, setCookie: null, release: 'v29.1.0', meta: 'v29.1.0', channel: 'alpha' });
    expect(await visit(baseUrl, stable)).toMatchObject({ status: 200, setCookie: null, release: 'v29.0.0', channel: 'stable' });
    // Still the canary a few story minutes later: nothing but the break will roll it back.
    await new Promise((r) => setTimeout(r, 3000));
    expect((await visit(baseUrl, alpha)).release).toBe('v29.1.0');

    const broke = await fetch(`${baseUrl}/demo/break`, { method: 'POST' });
    expect(broke.status).toBe(200);
    await until('the rollback', async () => /status rolling_back -> rolled_back/.test(output()), 60_000, output);
    const after = await until('the stable shell for the same alpha visitor', async () => {
      const v = await visit(baseUrl, alpha);
      return v.release === 'v29.0.0' && v;
    }, 5_000, output);
    expect(after).toMatchObject({ status: 200, setCookie: null, release: 'v29.0.0', channel: 'stable' });

    // The terminal: 10 % while it ran, then 0 (paused: testers only), then nobody at the rollback (printed at the tick's end).
    await until('the share to be printed at 0', async () => /now alpha 0 % \(nobody is sent to v29\.1\.0\)/.test(output()), 10_000, output);
    const text = output();
    const ran = text.indexOf('cohort router /app: alpha 10 % (v29.1.0)');
    const zero = text.search(/cohort router \/app: was [^\n]*now alpha 0 % \(nobody is sent to v29\.1\.0\)/);
    expect(ran).toBeGreaterThan(-1);
    expect(zero).toBeGreaterThan(ran);
    expect(text).toMatch(/rollback step cohort_share: done/);
    expect(text.indexOf('rollback step cohort_share: done')).toBeLessThan(zero);
  }, 120_000);
});
