/**
 * npm run bench:guardian — the release gate under load: a fake GitHub on 127.0.0.1 that adds
 * 100 ms to every call, 20 concurrent callers for 30 s (BENCH_SECONDS / BENCH_CALLERS / BENCH_LATENCY_MS
 * override), the real Express app, authenticator, Octokit with the production client (request-limits.ts).
 * Each caller gates a release of its own, so no cache or coalescing can share a read between them;
 * BENCH_SHARED_READS=1 also runs the old scenario (every caller gates the same release).
 * First it measures the critical path: the longest chain of GitHub calls one gate makes one after
 * the other, from the fake's log of a gate running alone. Floor = chain x latency.
 * Target: p95 within 1.3x the floor with every caller on its own release, zero errors. Exits 1 if missed.
 */
import { readFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { cpus, loadavg } from 'node:os';
import { createGitHubClient, GITHUB_CONCURRENCY_LIMIT } from '../adapters/github/client';
import { createGitHubGuardianFacts, type GuardianFactsOptions } from '../adapters/github/guardian-facts';
import { createApp } from '../http/app';
import { createAuthenticator } from '../http/auth';
import type { AuditEntry, AuditLog, CanaryStore } from '../ports';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const CALLERS = Number(process.env.BENCH_CALLERS ?? 20);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 100);
const KEY = 'bench-key-0123456789abcdef';
/** What the deployed API uses (functions/api-wiring.ts: the client's default). */
const GITHUB_CONCURRENCY = Number(process.env.BENCH_GITHUB_CONCURRENCY ?? GITHUB_CONCURRENCY_LIMIT);
/** BENCH_SHARED_READS=1: also the scenario where every caller gates the same release (reads shared). */
const SHARED_TOO = process.env.BENCH_SHARED_READS === '1';
const TARGET_FACTOR = 1.3;

/** GitHub answers for a release with three merged PRs, every check passing. */
function githubAnswer(path: string): unknown {
  if (path.endsWith('/releases')) return [{ tag_name: 'v29.1.0', draft: false }, { tag_name: 'v29.0.0', draft: false }];
  if (path.includes('/compare/')) return { total_commits: 3, commits: [{ sha: 'a1' }, { sha: 'b2' }, { sha: 'c3' }], files: [{ filename: 'src/a.ts' }, { filename: 'src/b.ts' }] };
  if (/\/pulls\/\d+\/files$/.test(path)) return [{ filename: 'src/a.ts', additions: 10, deletions: 2 }];
  if (/\/pulls\/\d+\/reviews$/.test(path)) return [{ id: 1, user: { login: 'reviewer' }, state: 'APPROVED' }];
  if (path.endsWith('/pulls'))
    return ['a1', 'b2', 'c3'].map((sha, i) => ({ number: i + 1, title: `PR ${i + 1}`, user: { login: 'dev' }, merged_at: '2026-11-20T10:00:00Z', merge_commit_sha: sha }));
  if (path.endsWith('/code-scanning/alerts') || path.endsWith('/dependabot/alerts')) return [];
  if (path.endsWith('/check-runs'))
    return { total_count: 1, check_runs: [{ name: 'benchmarks', status: 'completed', conclusion: 'success', html_url: 'u', started_at: '2026-11-20T10:00:00Z', output: { summary: 'render: +1%' } }] };
  return null;
}

interface LoggedCall {
  path: string;
  start: number;
  end: number;
}

interface InFlight {
  /** Mean number of requests GitHub was answering at once. */
  mean: number;
  /** Share of the time GitHub was answering GITHUB_CONCURRENCY requests (the client's limit). */
  atLimit: number;
}

/** The fake GitHub server in a worker thread; it counts calls, the requests in flight, and logs calls (path, start, end) on request. */
async function startFakeGitHub(): Promise<{ url: string; log: (on: boolean) => Promise<LoggedCall[]>; count: () => Promise<number>; inFlight: () => Promise<InFlight>; stop: () => Promise<void> }> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { createServer } = require('node:http');
    const githubAnswer = ${githubAnswer.toString()};
    let calls = 0;
    let log = null;
    // Requests in flight at GitHub: their time integral, and the time spent at the concurrency limit.
    let open = 0, area = 0, atLimit = 0, since = performance.now(), last = since;
    const tick = () => {
      const t = performance.now();
      area += open * (t - last);
      if (open >= workerData.limit) atLimit += t - last;
      last = t;
    };
    const server = createServer((req, res) => {
      calls += 1;
      tick();
      open += 1;
      req.resume();
      const path = new URL(req.url || '/', 'http://x').pathname;
      const start = Date.now();
      setTimeout(() => {
        const body = githubAnswer(path);
        res.writeHead(body === null ? 404 : 200, { 'content-type': 'application/json' });
        tick();
        open -= 1;
        res.end(JSON.stringify(body === null ? { message: 'not found' } : body));
        if (log) log.push({ path, start, end: Date.now() });
      }, workerData.latencyMs);
    });
    server.keepAliveTimeout = 60000;
    server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
    parentPort.on('message', (m) => {
      if (m === 'count') return parentPort.postMessage(calls);
      if (m === 'in-flight') {
        tick();
        const out = { mean: area / (last - since), atLimit: atLimit / (last - since) };
        area = atLimit = 0;
        since = last;
        return parentPort.postMessage(out);
      }
      const out = log || [];
      log = m === 'log-on' ? [] : null;
      parentPort.postMessage(out);
    });
  `;
  const worker = new Worker(code, { eval: true, workerData: { latencyMs: LATENCY_MS, limit: GITHUB_CONCURRENCY } });
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  const ask = <T>(message: string) => {
    const answer = new Promise<T>((resolve) => worker.once('message', resolve));
    worker.postMessage(message);
    return answer;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    log: (on) => ask<LoggedCall[]>(on ? 'log-on' : 'log-off'),
    count: () => ask<number>('count'),
    inFlight: () => ask<InFlight>('in-flight'),
    stop: async () => void (await worker.terminate()),
  };
}

/**
 * The calls of one gate running alone, in rounds: a call is in round n + 1 when the latest round
 * among the calls that had answered before it started is n (it may have waited for them). The
 * number of rounds is the longest chain of calls made one after the other.
 */
export function rounds(calls: LoggedCall[]): string[][] {
  const sorted = [...calls].sort((a, b) => a.start - b.start);
  const depth = new Map<LoggedCall, number>();
  const out: string[][] = [];
  for (const call of sorted) {
    const d = 1 + Math.max(0, ...sorted.filter((b) => b.end <= call.start).map((b) => depth.get(b) ?? 0));
    depth.set(call, d);
    (out[d - 1] ??= []).push(call.path.replace(/^\/repos\/[^/]+\/[^/]+\//, ''));
  }
  return out;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; close: () => void }> {
  const server = createServer(handler);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => (server.closeAllConnections(), server.close()) };
}

function post(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const gateBody = (release: string, previousRelease?: string) => JSON.stringify({ release, channel: 'beta', ...(previousRelease ? { previousRelease } : {}) });

/**
 * CPU time (ms) of this process's main thread, the one serving the API (and the load generator),
 * from Linux's per-thread counters (10 ms ticks); null elsewhere. process.cpuUsage() also counts
 * the fake GitHub's thread.
 */
function mainThreadCpuMs(): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command name.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

interface Run {
  latencies: number[];
  failures: Map<string, number>;
  cpuMsPerGate: number;
  /** Of which on the API's thread (null where Linux's per-thread counters are not readable). */
  mainCpuMsPerGate: number | null;
  githubCalls: number;
  inFlight: InFlight;
}

type Fake = Awaited<ReturnType<typeof startFakeGitHub>>;

/** CALLERS loops posting gates for SECONDS; `bodyOf(caller, n)` is caller's n-th request. */
async function load(apiUrl: string, fake: Fake, bodyOf: (caller: number, n: number) => string): Promise<Run> {
  const latencies: number[] = [];
  const failures = new Map<string, number>();
  const callsBefore = await fake.count();
  await fake.inFlight();
  const cpuStart = process.cpuUsage();
  const mainStart = mainThreadCpuMs();
  const deadline = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CALLERS }, async (_, caller) => {
      for (let n = 0; Date.now() < deadline; n++) {
        const body = bodyOf(caller, n);
        const started = performance.now();
        try {
          const status = await post(`${apiUrl}/guardian/check`, body);
          latencies.push(performance.now() - started);
          if (status !== 200) failures.set(`HTTP ${status}`, (failures.get(`HTTP ${status}`) ?? 0) + 1);
        } catch (err) {
          failures.set((err as Error).message, (failures.get((err as Error).message) ?? 0) + 1);
        }
      }
    }),
  );
  const cpu = process.cpuUsage(cpuStart);
  const mainEnd = mainThreadCpuMs();
  const inFlight = await fake.inFlight();
  const gates = Math.max(1, latencies.length);
  latencies.sort((a, b) => a - b);
  return { latencies, failures, cpuMsPerGate: (cpu.user + cpu.system) / 1000 / gates,
    mainCpuMsPerGate: mainStart === null || mainEnd === null ? null : (mainEnd - mainStart) / gates,
    githubCalls: (await fake.count()) - callsBefore, inFlight };
}

function report(title: string, run: Run): { p95: number; errors: number } {
  const { latencies, failures } = run;
  const errors = [...failures.values()].reduce((a, b) => a + b, 0);
  console.log(`  ${title}`);
  console.log(`    gates ${latencies.length} (${(latencies.length / SECONDS).toFixed(1)}/s), GitHub calls ${run.githubCalls} (${(run.githubCalls / Math.max(1, latencies.length)).toFixed(1)} per gate)`);
  console.log(`    p50 ${pct(latencies, 50).toFixed(1)} ms   p95 ${pct(latencies, 95).toFixed(1)} ms   p99 ${pct(latencies, 99).toFixed(1)} ms   max ${latencies[latencies.length - 1]?.toFixed(1)} ms`);
  const main = run.mainCpuMsPerGate === null ? '' : `, of which ${run.mainCpuMsPerGate.toFixed(1)} ms on the API's thread (API and load generator)`;
  console.log(`    CPU ${run.cpuMsPerGate.toFixed(1)} ms per gate (whole process: API, load generator and the fake GitHub thread)${main}`);
  console.log(`    GitHub requests in flight: mean ${run.inFlight.mean.toFixed(1)}, at the limit of ${GITHUB_CONCURRENCY} ${(100 * run.inFlight.atLimit).toFixed(0)} % of the time`);
  console.log(`    errors ${errors}${errors ? ' ' + JSON.stringify(Object.fromEntries(failures)) : ''}`);
  return { p95: pct(latencies, 95), errors };
}

async function main(): Promise<void> {
  // The fake GitHub runs on a thread of its own, so its work does not count as the API's.
  const fake = await startFakeGitHub();
  const appended: AuditEntry[] = [];
  const audit: AuditLog = { append: async (e) => (appended.push(e), { id: String(appended.length), created: true }), list: async () => [] };
  const canaries = { get: async () => null, list: async () => [], update: async () => undefined } as unknown as CanaryStore;
  // The production client (functions/api-wiring.ts), shared by both apps as by one API instance.
  const octokit = createGitHubClient({ token: 'bench', baseUrl: fake.url, maxRateLimitWaitMs: 5_000, maxConcurrent: GITHUB_CONCURRENCY });
  const apiFor = (options: GuardianFactsOptions) =>
    listen(
      createApp({
        canaries,
        audit,
        clock: { now: () => Date.now() },
        github: createGitHubGuardianFacts(() => octokit, options),
        authenticate: createAuthenticator({ apiKeys: () => ({ bench: KEY }) }),
        defaultRepository: 'acme/app',
        rateLimit: { capacity: 1e9, refillPerSecond: 1e9 },
        log: () => undefined,
      }),
    );
  // Every release's PRs are #1-#3 in the fake: the cache is off so no gate reuses another's files.
  const api = await apiFor({ diffCacheTtlMs: 0 });
  const cachedApi = SHARED_TOO ? await apiFor({}) : undefined;
  const gate = `${api.url}/guardian/check`;

  // One warm-up call loads Octokit (ESM, lazily imported) outside the measurement.
  await post(gate, gateBody('v1.0.1', 'v1.0.0'));

  // The critical path, from one gate alone (releases never gated before, so nothing is cached).
  const chainOf = async (body: string) => {
    await fake.log(true);
    const status = await post(gate, body);
    const calls = await fake.log(false);
    if (status !== 200) throw new Error(`the lone gate answered HTTP ${status}`);
    return { calls: calls.length, rounds: rounds(calls) };
  };
  const known = await chainOf(gateBody('v2.0.1', 'v2.0.0'));
  const lookedUp = await chainOf(gateBody('v29.1.0'));
  const floor = known.rounds.length * LATENCY_MS;
  const target = TARGET_FACTOR * floor;
  const show = (r: string[][]) => r.map((round, i) => `      round ${i + 1}: ${round.sort().join(', ')}`).join('\n');
  console.log(`guardian gate: ${CALLERS} concurrent callers for ${SECONDS} s, fake GitHub +${LATENCY_MS} ms per call, GitHub concurrency limit ${GITHUB_CONCURRENCY}`);
  console.log(`  critical path, previousRelease sent (as in the load below): ${known.rounds.length} sequential calls (of ${known.calls})`);
  console.log(show(known.rounds));
  console.log(`    floor ${known.rounds.length} x ${LATENCY_MS} ms = ${floor} ms`);
  // GitHub's limit on concurrent requests (honoured per instance) caps the rate, whatever the CPU.
  const capRate = GITHUB_CONCURRENCY / (known.calls * (LATENCY_MS / 1000));
  console.log(
    `  under the limit of ${GITHUB_CONCURRENCY} concurrent requests: at most ${GITHUB_CONCURRENCY} / (${known.calls} calls x ${LATENCY_MS} ms) = ${capRate.toFixed(1)} gates/s, so ${CALLERS} callers average at least ${Math.max(floor, (1000 * CALLERS) / capRate).toFixed(0)} ms per gate`,
  );
  console.log(`  critical path when the gate looks the previous release up: ${lookedUp.rounds.length} sequential calls (of ${lookedUp.calls})`);
  console.log(show(lookedUp.rounds));

  const unshared = await load(api.url, fake, (caller, n) => gateBody(`v3.${caller}.${n + 1}`, `v3.${caller}.${n}`));
  const { p95, errors } = report(`${CALLERS} callers, every gate of a release never gated before (no read can be shared or cached)`, unshared);
  if (SHARED_TOO) report(`${CALLERS} callers gating the same release (compare, merged PRs and their files cached; reviews, alerts, check runs read by every gate)`, await load(cachedApi!.url, fake, () => gateBody('v4.0.1', 'v4.0.0')));
  api.close();
  cachedApi?.close();
  await fake.stop();
  console.log(`  load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores; audit entries ${appended.length}`);
  const met = p95 <= target && errors === 0;
  console.log(`  target: p95 <= ${TARGET_FACTOR} x floor = ${target} ms with every caller on its own release, zero errors: ${met ? 'MET' : 'NOT MET'} (p95 ${p95.toFixed(1)} ms, ${errors} errors)`);
  if (!met) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
