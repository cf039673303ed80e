import { Agent, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { deleteApp, initializeApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import { createFirestoreIngestKeyStore } from '../adapters/firestore';
import { newIngestKey } from '../app/telemetry/keys';
import { telemetryDeps } from '../functions/telemetry-wiring';
import { createTelemetryApp } from '../http/telemetry-app';
import { systemClock } from '../ports';
import { startFirestoreServer } from '../testing/firestore-server';

/**
 * npm run bench:ingest: reports per second one process accepts on the Firestore server the tests
 * use, p50/p95 answer latency, and Firestore documents written per 1,000 reports, counted at the
 * store boundary (every document each committed transaction wrote).
 */
const TARGET_RPS = 2000;
const TARGET_P95_MS = 50;
const TARGET_WRITES_PER_1000 = 20;
const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 8) * 1000;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);

const agent = new Agent({ keepAlive: true, maxSockets: 512 });

function post(port: number, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/telemetry', method: 'POST', agent, headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

let seq = 0;
function body(key: string, install: string, minute: number): string {
  seq += 1;
  return JSON.stringify({
    key,
    batchId: `bench-${process.pid}-${seq}`,
    installId: install,
    platform: 'web',
    release: 'v29.1.0',
    channel: 'alpha',
    windows: [{ start: new Date(minute).toISOString(), requests: 30, errors: 1, sessions: 1, latencyMs: { counts: { '20': 20, '25': 9, '40': 1 } } }],
  });
}

function pct(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function main(): Promise<void> {
  const official = Boolean(process.env.FIRESTORE_EMULATOR_HOST);
  const server = official ? undefined : await startFirestoreServer();
  if (server) process.env.FIRESTORE_EMULATOR_HOST = server.host;
  const projectId = `demo-bench-ingest-${Date.now().toString(36)}`;
  const app = initializeApp({ projectId }, projectId);
  const db = getFirestore(app);
  const { key, id } = newIngestKey();
  await createFirestoreIngestKeyStore(db).create({ id, app: 'bench', platforms: ['web'], origins: [], appCheck: false, revoked: false, createdAt: Date.now(), reportsPerMinute: 10_000_000 });
  const counter = { documents: 0, commits: 0 };
  const shards = Number(process.env.BENCH_SHARDS ?? 4);
  const lingerMs = Number(process.env.BENCH_LINGER_MS ?? 5);
  const deps = telemetryDeps(db, systemClock, {
    shards,
    verifyAppCheck: () => Promise.reject(new Error('unused')),
    ingest: { groupCommit: { lingerMs, maxBatches: 400 } },
    onCommit: (s) => ((counter.documents += s.documents), (counter.commits += 1)),
  });
  const http: Server = createTelemetryApp({ ...deps, installRateLimit: { capacity: 1e9, refillPerSecond: 1e9 }, log: () => undefined }).listen(0, '127.0.0.1');
  await new Promise((r) => http.once('listening', r));
  const port = (http.address() as AddressInfo).port;
  const minute = () => Math.floor(Date.now() / 60_000) * 60_000;
  console.log(`shards per release-minute: ${shards} (BENCH_SHARDS), group commit linger: ${lingerMs} ms (BENCH_LINGER_MS), load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`);
  console.log(`Firestore: ${official ? `official emulator at ${process.env.FIRESTORE_EMULATOR_HOST}` : 'in-process server (@firestore-emulator/server)'}`);

  // 1. 200 installs of one release report at once, five rounds.
  const burst = { reports: 0, documents: 0, bad: 0 };
  for (let round = 0; round < 5; round++) {
    const before = counter.documents;
    const statuses = await Promise.all(Array.from({ length: 200 }, (_, i) => post(port, body(key, `burst-install-${String(i).padStart(4, '0')}`, minute()))));
    burst.reports += statuses.filter((s) => s === 202).length;
    burst.bad += statuses.filter((s) => s !== 202).length;
    burst.documents += counter.documents - before;
  }
  const burstWrites = (burst.documents / Math.max(1, burst.reports)) * 1000;

  // 2. Sustained load: CONCURRENCY clients for DURATION_MS, installs spread so none passes its 6 batches a minute.
  const latencies: number[] = [];
  let accepted = 0;
  let other = 0;
  const before = counter.documents;
  const commitsBefore = counter.commits;
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  let n = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() - start < DURATION_MS) {
        const install = `load-install-${String(n++ % 40_000).padStart(6, '0')}`;
        const t0 = performance.now();
        const status = await post(port, body(key, install, minute()));
        latencies.push(performance.now() - t0);
        if (status === 202) accepted += 1;
        else other += 1;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  // Client and server share this process: its CPU per report is an upper bound on the server's, and does not depend on the machine's load.
  const cpuPerReport = (cpu.user + cpu.system) / 1000 / Math.max(1, accepted + other);
  latencies.sort((a, b) => a - b);
  const rps = accepted / seconds;
  const p50 = pct(latencies, 0.5);
  const p95 = pct(latencies, 0.95);
  const loadWrites = ((counter.documents - before) / Math.max(1, accepted)) * 1000;
  const commits = counter.commits - commitsBefore;

  http.close();
  agent.destroy();
  await deleteApp(app);
  server?.stop();

  const ok = { rps: rps >= TARGET_RPS, p95: p95 < TARGET_P95_MS, writes: burstWrites <= TARGET_WRITES_PER_1000 };
  console.log(`burst: 200 installs of one release at once, 5 rounds: ${burst.reports} accepted, ${burst.bad} refused; ${burst.documents} documents written`);
  console.log(`  writes per 1,000 reports: ${burstWrites.toFixed(1)}   (target <= ${TARGET_WRITES_PER_1000})  ${ok.writes ? 'OK' : 'MISSED'}`);
  console.log(`sustained: ${CONCURRENCY} concurrent clients for ${seconds.toFixed(1)} s: ${accepted} accepted, ${other} other answers, ${commits} commits (${(accepted / Math.max(1, commits)).toFixed(1)} reports per commit)`);
  console.log(`  reports/s accepted: ${rps.toFixed(0)}   (target >= ${TARGET_RPS})  ${ok.rps ? 'OK' : 'MISSED'}`);
  console.log(`  answer latency p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms   (target p95 < ${TARGET_P95_MS} ms)  ${ok.p95 ? 'OK' : 'MISSED'}`);
  console.log(`  writes per 1,000 reports: ${loadWrites.toFixed(1)}`);
  console.log(`  CPU of this process (clients and server) per report: ${cpuPerReport.toFixed(2)} ms, i.e. at most ${(1000 / cpuPerReport).toFixed(0)} reports/s on one free core; load average now ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`);
  process.exitCode = ok.rps && ok.p95 && ok.writes ? 0 : 1;
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 2;
});
