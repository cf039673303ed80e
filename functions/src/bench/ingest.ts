import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { deleteApp, initializeApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import { createFirestoreIngestKeyStore } from '../adapters/firestore';
import { DEFAULT_GROUP_COMMIT } from '../app/telemetry/group-commit';
import { newIngestKey } from '../app/telemetry/keys';
import { telemetryDeps } from '../functions/telemetry-wiring';
import { createTelemetryApp } from '../http/telemetry-app';
import { systemClock } from '../ports';
import { startOfficialEmulator, type RunningOfficialEmulator } from '../testing/official-emulator';
import type { LoadCommand, LoadResult } from './ingest-load';

/**
 * npm run bench:ingest: reports per second one ingest process accepts on the Firestore server the
 * tests use, p50/p95 answer latency, and Firestore documents written per 1,000 reports, counted at
 * the store boundary (every document each commit wrote). The Firestore server is the one the tests
 * use: FIRESTORE_EMULATOR_HOST when set, else a fresh official emulator when it is installed, else
 * the in-process server in a child process. The clients run in a child process too, so the ingest
 * process is charged only for its own work. A warm-up phase (not measured) runs first: the figures
 * are those of a running instance, not of a cold JIT.
 */
const TARGET_RPS = 2000;
const TARGET_P95_MS = 50;
const TARGET_WRITES_PER_1000 = 20;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 4);

function pct(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function ask(child: ChildProcess, cmd: LoadCommand): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    child.once('message', (m: LoadResult | { error: string }) => ('error' in m ? reject(new Error(m.error)) : resolve(m)));
    child.send(cmd);
  });
}

async function startFirestoreChild(): Promise<{ host: string; child: ChildProcess }> {
  const child = fork(join(__dirname, 'firestore-child.js'), { stdio: 'inherit' });
  const { host } = await new Promise<{ host: string }>((resolve, reject) => (child.once('message', resolve), child.once('exit', () => reject(new Error('the Firestore server did not start')))));
  return { host, child };
}

type FirestoreServer = { kind: 'given'; host: string } | { kind: 'official'; emulator: RunningOfficialEmulator } | { kind: 'in-process'; host: string; child: ChildProcess };

async function firestoreServer(): Promise<FirestoreServer> {
  if (process.env.FIRESTORE_EMULATOR_HOST) return { kind: 'given', host: process.env.FIRESTORE_EMULATOR_HOST };
  const emulator = await startOfficialEmulator();
  if (emulator) return { kind: 'official', emulator };
  return { kind: 'in-process', ...(await startFirestoreChild()) };
}

/** CPU (ms) the processes of a process group have spent so far, from /proc (Linux). */
function groupCpuMs(pgid: number): number | undefined {
  try {
    let ticks = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue; // exited meanwhile
      }
      // Fields after the command name (which may hold spaces): state ppid pgrp ... utime(14) stime(15).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) ticks += Number(fields[11]) + Number(fields[12]);
    }
    return ticks * 10; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/** CPU the Firestore server has spent so far (ms); undefined when it is not ours to measure. */
function serverCpu(server: FirestoreServer): Promise<number | undefined> {
  if (server.kind === 'given') return Promise.resolve(undefined);
  if (server.kind === 'official') return Promise.resolve(groupCpuMs(server.emulator.pid));
  return new Promise((resolve) => {
    server.child.once('message', (m: { cpuMs: number }) => resolve(m.cpuMs));
    server.child.send('cpu');
  });
}

async function main(): Promise<void> {
  const firestore = await firestoreServer();
  process.env.FIRESTORE_EMULATOR_HOST = firestore.kind === 'official' ? firestore.emulator.host : firestore.host;
  const load = fork(join(__dirname, 'ingest-load.js'), { stdio: 'inherit' });
  const projectId = `demo-bench-ingest-${Date.now().toString(36)}`;
  const app = initializeApp({ projectId }, projectId);
  const db = getFirestore(app);
  const { key, id } = newIngestKey();
  await createFirestoreIngestKeyStore(db).create({ id, app: 'bench', platforms: ['web'], origins: [], appCheck: false, revoked: false, createdAt: Date.now(), reportsPerMinute: 10_000_000 });
  const counter = { documents: 0, commits: 0 };
  const shards = process.env.BENCH_SHARDS === undefined ? undefined : Number(process.env.BENCH_SHARDS);
  const groupCommit = { ...DEFAULT_GROUP_COMMIT, ...(process.env.BENCH_LINGER_MS === undefined ? {} : { lingerMs: Number(process.env.BENCH_LINGER_MS) }) };
  const deps = telemetryDeps(db, systemClock, {
    ...(shards === undefined ? {} : { shards }),
    verifyAppCheck: () => Promise.reject(new Error('unused')),
    ingest: { groupCommit },
    onCommit: (s) => ((counter.documents += s.documents), (counter.commits += 1)),
  });
  const http: Server = createTelemetryApp({ ...deps, installRateLimit: { capacity: 1e9, refillPerSecond: 1e9 }, log: () => undefined }).listen(0, '127.0.0.1');
  await new Promise((r) => http.once('listening', r));
  const port = (http.address() as AddressInfo).port;
  console.log(`shards per release-minute: ${shards ?? 'from contention (default)'} (BENCH_SHARDS), group commit: linger ${groupCommit.lingerMs} ms (BENCH_LINGER_MS), up to ${groupCommit.maxWaitMs} ms while a burst arrives, at most ${groupCommit.maxBatches} reports, load average ${loadavg()[0]!.toFixed(1)}`);
  const serverName = { given: `the emulator at FIRESTORE_EMULATOR_HOST=${process.env.FIRESTORE_EMULATOR_HOST}`, official: 'the official emulator, started fresh for this run', 'in-process': 'the in-process server (@firestore-emulator/server: CG_IN_PROCESS_FIRESTORE=1, or the official emulator is not installed), in a child process' }[firestore.kind];
  console.log(`Firestore: ${serverName}; clients in a child process`);

  // 0. Warm-up (not measured): a JIT and an emulator that have run for a while, as in production.
  if (WARMUP_SECONDS > 0) await ask(load, { kind: 'sustained', port, key, release: 'v29.1.0-warm-up', seconds: WARMUP_SECONDS, concurrency: CONCURRENCY });

  // 1. 200 installs of one release report at once, five rounds.
  const burst = { reports: 0, documents: 0, bad: 0 };
  for (let round = 0; round < 5; round++) {
    const before = counter.documents;
    const r = await ask(load, { kind: 'burst', port, key, release: 'v29.1.0-burst', installs: 200 });
    burst.reports += r.accepted;
    burst.bad += r.other;
    burst.documents += counter.documents - before;
  }
  const burstWrites = (burst.documents / Math.max(1, burst.reports)) * 1000;

  // 2. Sustained load: CONCURRENCY clients for SECONDS.
  const before = counter.documents;
  const commitsBefore = counter.commits;
  const serverBefore = await serverCpu(firestore);
  const cpuBefore = process.cpuUsage();
  const sustained = await ask(load, { kind: 'sustained', port, key, release: 'v29.1.0', seconds: SECONDS, concurrency: CONCURRENCY });
  const cpu = process.cpuUsage(cpuBefore);
  const serverAfter = await serverCpu(firestore);
  const { accepted, other, seconds } = sustained;
  const cpuPerReport = (cpu.user + cpu.system) / 1000 / Math.max(1, accepted + other);
  const latencies = sustained.latencies.sort((a, b) => a - b);
  const rps = accepted / seconds;
  const p50 = pct(latencies, 0.5);
  const p95 = pct(latencies, 0.95);
  const loadWrites = ((counter.documents - before) / Math.max(1, accepted)) * 1000;
  const commits = counter.commits - commitsBefore;

  http.close();
  load.disconnect();
  await deleteApp(app);
  if (firestore.kind === 'official') firestore.emulator.stop();
  if (firestore.kind === 'in-process') firestore.child.disconnect();

  const ok = { rps: rps >= TARGET_RPS, p95: p95 < TARGET_P95_MS, writes: burstWrites <= TARGET_WRITES_PER_1000 };
  console.log(`burst: 200 installs of one release at once, 5 rounds: ${burst.reports} accepted, ${burst.bad} refused; ${burst.documents} documents written`);
  console.log(`  writes per 1,000 reports: ${burstWrites.toFixed(1)}   (target <= ${TARGET_WRITES_PER_1000})  ${ok.writes ? 'OK' : 'MISSED'}`);
  console.log(`sustained: ${CONCURRENCY} concurrent clients for ${seconds.toFixed(1)} s, after ${WARMUP_SECONDS} s of warm-up (BENCH_WARMUP_SECONDS): ${accepted} accepted, ${other} other answers${other > 0 ? ` (${Object.entries(sustained.statuses).filter(([st]) => st !== '202').map(([st, k]) => `${k} x ${st}`).join(', ')})` : ''}, ${commits} commits (${(accepted / Math.max(1, commits)).toFixed(1)} reports per commit)`);
  console.log(`  reports/s accepted: ${rps.toFixed(0)}   (target >= ${TARGET_RPS})  ${ok.rps ? 'OK' : 'MISSED'}`);
  console.log(`  answer latency p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms   (target p95 < ${TARGET_P95_MS} ms)  ${ok.p95 ? 'OK' : 'MISSED'}`);
  console.log(`  writes per 1,000 reports: ${loadWrites.toFixed(1)}`);
  console.log(`  CPU of the ingest process per report: ${cpuPerReport.toFixed(3)} ms, i.e. at most ${(1000 / cpuPerReport).toFixed(0)} reports/s on one free core; load average now ${loadavg()[0]!.toFixed(1)}`);
  // What the bench's own processes cost on the same cores: with the ingest, they bound the figure on this machine.
  const perReport = (ms: number) => ms / Math.max(1, accepted + other);
  const clientMs = perReport(sustained.cpuMs);
  const serverMs = serverBefore === undefined || serverAfter === undefined ? undefined : perReport(serverAfter - serverBefore);
  const total = cpuPerReport + clientMs + (serverMs ?? 0);
  console.log(
    `  CPU per report of the bench's other processes: clients ${clientMs.toFixed(3)} ms, Firestore server ${serverMs === undefined ? 'not measured (not started by the bench)' : `${serverMs.toFixed(3)} ms`}; ` +
      `all three ${total.toFixed(3)} ms, i.e. at most ${((1000 * cpus().length) / total).toFixed(0)} reports/s on this machine's ${cpus().length} cores`,
  );
  process.exitCode = ok.rps && ok.p95 && ok.writes ? 0 : 1;
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 2;
});
