/**
 * npm run bench:router — the web cohort router with a warm cache in front of fake channel origins
 * 50 ms away: shells served per second, the latency it adds over a static server answering the
 * same bytes (p50 / p95), and the cohort split over 100,000 simulated visitors (each observed share
 * within 0.5 point of its target; no visitor changes cohort while the shares stay the same).
 * Target: p95 added latency < 15 ms with a warm cache. The real router, Firestore adapters (the
 * in-process Firestore server, or FIRESTORE_EMULATOR_HOST) and HTTP shell fetches; nothing mocked.
 */
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFirestoreServer } from '../testing/firestore-server';

const VISITORS = Number(process.env.BENCH_VISITORS ?? 100_000);
const LATENCY_SAMPLES = Number(process.env.BENCH_SAMPLES ?? 2_000);
const THROUGHPUT_MS = Number(process.env.BENCH_THROUGHPUT_MS ?? 5_000);
const CONCURRENCY = 32;
const ORIGIN_DELAY_MS = 50;
const TARGET_P95_ADDED_MS = 15;
const TARGET_SHARE_POINTS = 0.5;

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function get(url: string, cookie?: string): Promise<{ status: number; ms: number }> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36', ...(cookie ? { cookie } : {}) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t }));
    });
    req.on('error', reject);
    req.end();
  });
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const listen = (server: Server) => new Promise<string>((r) => server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));

async function main(): Promise<void> {
  const firestore = process.env.FIRESTORE_EMULATOR_HOST ? undefined : await startFirestoreServer();
  if (firestore) process.env.FIRESTORE_EMULATOR_HOST = firestore.host;
  const { initializeApp } = await import('firebase-admin/app');
  const { getFirestore } = await import('firebase-admin/firestore');
  const { randomBytes } = await import('node:crypto');
  const { createFirestoreCanaryStore } = await import('../adapters/firestore');
  const { createCohortRouter } = await import('../app/cohorts/router');
  const { cohortRouterHandler } = await import('../http/cohort-router');
  const { cohortRouterDeps } = await import('../functions/cohort-router-wiring');
  const { readSession } = await import('../core/session-cookie');
  const { fakeChannel } = await import('../testing/cohort-apps');
  const { systemClock } = await import('../ports/clock');

  const db = getFirestore(initializeApp({ projectId: `demo-bench-router-${randomBytes(3).toString('hex')}` }, 'bench-router'));
  const [live, alpha, beta] = await Promise.all(['v1', 'v2', 'v1.5'].map((r) => fakeChannel(r, { delayMs: ORIGIN_DELAY_MS })));
  await db.doc('config/web_cohorts').set({ site: 'acme', liveUrl: live!.url, channelUrls: { alpha: alpha!.url, beta: beta!.url } });
  const store = createFirestoreCanaryStore(db);
  const now = Date.now();
  for (const [release, channel, percent] of [['v2', 'alpha', 10], ['v1.5', 'beta', 25]] as const) {
    await store.createIfAbsent({
      id: `web__${release}__${channel}`, platform: 'web', release, previousRelease: 'v1', channel, status: 'running', dryRun: false, createdAt: now, updatedAt: now, createdBy: 'bench',
      target: { hostingSite: 'acme' }, gates: {},
      rollout: { channel, stageIndex: 0, rolloutPercent: percent, stageStartedAt: now, greenSince: null, streaks: { red: 0, yellow: 0, noData: 0, inconclusive: 0 }, lastWindowStart: null, frozen: false, redSince: null },
    });
  }
  const quiet = { warn: () => undefined, error: (m: string) => process.stderr.write(`router: ${m}\n`) };
  const serve = createCohortRouter({ ...cohortRouterDeps(db, systemClock, { secureCookie: false }), logger: quiet });
  const routerServer = createServer(cohortRouterHandler(serve));
  const routerUrl = await listen(routerServer);
  const newId = () => randomBytes(16).toString('base64url');

  // Cold: the first request of each cohort waits for the channel's shell (50 ms away).
  const cold: Record<string, number> = {};
  for (const c of ['alpha', 'beta', 'off'] as const) cold[c] = (await get(`${routerUrl}/?canary=${c}`)).ms;
  // The same bytes from a static server: what the page would cost without the router.
  const shell = (await serve({ method: 'GET', query: 'canary=alpha', cookie: undefined, userAgent: 'Mozilla/5.0 Chrome' })).body;
  const staticServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'private, no-store' });
    res.end(shell);
  });
  const staticUrl = await listen(staticServer);

  const routerMs: number[] = [];
  const staticMs: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const cookie = `__session=cg1.${newId()}`;
    // Interleaved, so both see the same machine load.
    routerMs.push((await get(`${routerUrl}/pricing`, cookie)).ms);
    staticMs.push((await get(`${staticUrl}/pricing`, cookie)).ms);
  }
  routerMs.sort((a, b) => a - b);
  staticMs.sort((a, b) => a - b);
  const added = { p50: pct(routerMs, 50) - pct(staticMs, 50), p95: pct(routerMs, 95) - pct(staticMs, 95) };

  let served = 0;
  let failed = 0;
  const until = performance.now() + THROUGHPUT_MS;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        const r = await get(`${routerUrl}/`, `__session=cg1.${newId()}`);
        if (r.status === 200) served++;
        else failed++;
      }
    }),
  );
  const perSecond = served / (THROUGHPUT_MS / 1000);

  // The split: every visitor arrives without a cookie, keeps the one it was given, and comes back.
  const counts = { alpha: 0, beta: 0, stable: 0, other: 0 };
  let changed = 0;
  const ua = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36';
  for (let i = 0; i < VISITORS; i++) {
    const first = await serve({ method: 'GET', query: '', userAgent: ua });
    const id = readSession(first.headers['set-cookie'])?.id;
    const again = await serve({ method: 'GET', query: '', userAgent: ua, cookie: `__session=cg1.${id}` });
    counts[first.cohort ?? 'other']++;
    if (again.cohort !== first.cohort) changed++;
  }
  const share = (n: number) => (100 * n) / VISITORS;
  const off = { alpha: Math.abs(share(counts.alpha) - 10), beta: Math.abs(share(counts.beta) - 25) };

  const f = (n: number) => n.toFixed(2);
  const lines = [
    `bench:router — cohort router, warm cache, fake channel origins ${ORIGIN_DELAY_MS} ms away, Firestore ${firestore ? 'in-process' : process.env.FIRESTORE_EMULATOR_HOST}`,
    `cold first shell per cohort: alpha ${f(cold.alpha!)} ms, beta ${f(cold.beta!)} ms, stable ${f(cold.off!)} ms (each waits on its origin once per release and shell TTL)`,
    `throughput: ${perSecond.toFixed(0)} shells/s at ${CONCURRENCY} concurrent visitors over ${THROUGHPUT_MS / 1000} s (${failed} failed)`,
    `round trip, ${LATENCY_SAMPLES} sequential visitors: router p50 ${f(pct(routerMs, 50))} ms, p95 ${f(pct(routerMs, 95))} ms; static server p50 ${f(pct(staticMs, 50))} ms, p95 ${f(pct(staticMs, 95))} ms`,
    `added latency: p50 ${f(added.p50)} ms, p95 ${f(added.p95)} ms   target: p95 < ${TARGET_P95_ADDED_MS} ms   ${added.p95 < TARGET_P95_ADDED_MS ? 'met' : 'NOT MET'}`,
    `split over ${VISITORS.toLocaleString('en')} visitors: alpha ${f(share(counts.alpha))} % (target 10), beta ${f(share(counts.beta))} % (target 25), stable ${f(share(counts.stable))} %, fallbacks ${counts.other}   target: within ${TARGET_SHARE_POINTS} point   ${off.alpha <= TARGET_SHARE_POINTS && off.beta <= TARGET_SHARE_POINTS ? 'met' : 'NOT MET'}`,
    `visitors who changed cohort on their next visit (shares unchanged): ${changed}   target: 0   ${changed === 0 ? 'met' : 'NOT MET'}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  agent.destroy();
  routerServer.close();
  staticServer.close();
  await Promise.all([live!.stop(), alpha!.stop(), beta!.stop()]);
  firestore?.stop();
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`bench:router failed: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
