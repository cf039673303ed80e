/**
 * npm run bench:rollback — from the canary write (the rollback request) to the last platform
 * request, p50 / p95 over 200 rollbacks (web, desktop, mobile in turn), in-process: the real
 * Firestore adapters against the in-process Firestore server, the real clients (octokit,
 * googleapis) against one fake HTTP server answering every request after 20 ms. Target: p95 < 250 ms.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFirestoreServer } from '../testing/firestore-server';

const ROLLBACKS = Number(process.env.BENCH_ROLLBACKS ?? 200);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);
const T0 = Date.UTC(2026, 10, 26, 12);

/** Answers GitHub, Hosting and Play with the shapes the adapters read; remembers the last request time. */
function fakePlatforms(): { start(): Promise<string>; lastRequestAt: () => number; stop(): void } {
  let last = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      last = performance.now();
      const url = new URL(req.url ?? '/', 'http://x');
      const p = url.pathname;
      const m = req.method;
      let status = 200;
      let body: unknown = {};
      if (p.endsWith('/dispatches')) status = 204;
      else if (m === 'GET' && p.endsWith('/releases/latest')) body = { id: 1, tag_name: 'v1.0.0', draft: false, prerelease: false };
      else if (m === 'GET' && /\/repos\/.+\/releases$/.test(p)) {
        body = [
          { id: 1, tag_name: 'v1.0.0', draft: false, prerelease: false },
          { id: 2, tag_name: 'REL', draft: false, prerelease: false },
        ];
      } else if (m === 'PATCH') body = { id: 2 };
      else if (m === 'GET' && p.includes('/channels/')) body = { releases: [{ version: { name: 'sites/s/versions/bad' } }, { version: { name: 'sites/s/versions/good' } }] };
      else if (m === 'POST' && p.endsWith('/edits')) body = { id: `e${Math.random().toString(36).slice(2)}` };
      else if (m === 'GET' && p.includes('/tracks/')) body = { track: 'production', releases: [{ name: 'REL', versionCodes: ['2'], status: 'inProgress', userFraction: 0.1 }] };
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(status === 204 ? undefined : JSON.stringify(body).replace(/REL/g, 'v2.0.0'));
      }, LATENCY_MS);
    });
  });
  return {
    start: () => new Promise((r) => server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))),
    lastRequestAt: () => last,
    stop: () => server.close(),
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main(): Promise<void> {
  const firestore = await startFirestoreServer();
  process.env.FIRESTORE_EMULATOR_HOST = firestore.host;
  // Loaded after the emulator host is set, as a deployed function loads them at cold start.
  const { initializeApp } = await import('firebase-admin/app');
  const { getFirestore } = await import('firebase-admin/firestore');
  const { OAuth2Client } = await import('google-auth-library');
  const { createFirestoreAuditLog, createFirestoreCanaryStore } = await import('../adapters/firestore');
  const { createFirestoreRollbackLedger } = await import('../adapters/firestore/rollback-ledger');
  const { createGitHubClient } = await import('../adapters/github/client');
  const { createPlatformActuators } = await import('../adapters/platform-registry');
  const { DEFAULT_ROLLBACK_SETTINGS, realSleep } = await import('../app/rollback/deps');
  const { handleRollback } = await import('../app/rollback/handle');
  const { requestRollback } = await import('../app/rollback/request');
  const { canaryId } = await import('../core/canary');
  const { PLATFORMS } = await import('../core/types');

  const fake = fakePlatforms();
  const url = await fake.start();
  const db = getFirestore(initializeApp({ projectId: 'demo-bench-rollback' }, 'bench-rollback'));
  const auth = new OAuth2Client({ transporterOptions: { fetchImplementation: fetch } });
  auth.setCredentials({ access_token: 'bench', expiry_date: Date.now() + 3600_000 });
  const octokit = createGitHubClient({ token: 'bench', baseUrl: url, retry: { enabled: false }, maxRateLimitWaitMs: 0, throttle: { enabled: false } });
  const clock = { now: () => Date.now() };
  const canaries = createFirestoreCanaryStore(db);
  const audit = createFirestoreAuditLog(db);
  const deps = {
    canaries,
    audit,
    ledger: createFirestoreRollbackLedger(db),
    actuators: createPlatformActuators({ clock, github: { client: () => octokit }, play: { auth, rootUrl: `${url}/` }, hosting: { auth, rootUrl: `${url}/` }, cohorts: { canaries } }),
    clock,
    sleep: realSleep,
    settings: { ...DEFAULT_ROLLBACK_SETTINGS, rollbacksPerHour: ROLLBACKS + 10 },
  };

  const samples: number[] = [];
  const byPlatform: Record<string, number[]> = { web: [], desktop: [], mobile: [] };
  for (let i = 0; i < ROLLBACKS + 10; i++) {
    const platform = PLATFORMS[i % PLATFORMS.length];
    const release = `v2.0.${i}`;
    const id = canaryId(platform, release, 'stable');
    await canaries.createIfAbsent({
      id, platform, release, previousRelease: 'v1.0.0', channel: 'stable', status: 'running', dryRun: false,
      createdAt: T0, updatedAt: T0, createdBy: 'bench', gates: {},
      target: { repository: 'acme/app', hostingSite: 's', hostingChannel: 'live', previousHostingVersion: 'sites/s/versions/good', playPackage: 'com.acme', playTrack: 'production', versionCodes: ['2'] },
      rollout: { channel: 'stable', stageIndex: 0, rolloutPercent: 10, stageStartedAt: T0, greenSince: null, streaks: { red: 0, yellow: 0, noData: 0, inconclusive: 0 }, lastWindowStart: null, frozen: false, redSince: null },
    });
    const started = performance.now();
    await requestRollback({ canaries, audit, clock }, { canaryId: id, reason: 'bench', trigger: 'auto-policy', requestedBy: 'system' });
    const outcome = await handleRollback(deps, id, `bench-${i}`);
    if (outcome !== 'rolled_back') throw new Error(`rollback ${id} ended ${outcome}`);
    if (i < 10) continue; // warm-up: client loading, connection pools, JIT
    const ms = fake.lastRequestAt() - started;
    samples.push(ms);
    byPlatform[platform].push(ms);
  }
  const line = (name: string, values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return `${name.padEnd(8)} n=${String(sorted.length).padStart(3)}  p50 ${percentile(sorted, 50).toFixed(1)} ms  p95 ${percentile(sorted, 95).toFixed(1)} ms  max ${sorted[sorted.length - 1].toFixed(1)} ms`;
  };
  console.log(`rollback: canary write -> last platform request, fakes answering in ${LATENCY_MS} ms, Firestore in-process`);
  console.log(line('all', samples));
  for (const p of PLATFORMS) console.log(line(p, byPlatform[p]));
  const p95 = percentile([...samples].sort((a, b) => a - b), 95);
  console.log(`target p95 < 250 ms: ${p95 < 250 ? 'met' : 'NOT met'}`);
  fake.stop();
  firestore.stop();
  process.exit(0);
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
