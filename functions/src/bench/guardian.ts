/**
 * npm run bench:guardian — the release gate under load: a fake GitHub on 127.0.0.1 that adds
 * 100 ms to every call, 20 concurrent callers for 30 s (BENCH_SECONDS / BENCH_CALLERS / BENCH_LATENCY_MS
 * override), the real Express app, authenticator, Octokit with its retry and throttling plugins.
 * Prints p50 / p95 / p99 latency and errors. Target: p95 < 300 ms, zero errors.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { cpus, loadavg } from 'node:os';
import { createGitHubClient } from '../adapters/github/client';
import { createGitHubGuardianFacts } from '../adapters/github/guardian-facts';
import { createApp } from '../http/app';
import { createAuthenticator } from '../http/auth';
import type { AuditEntry, AuditLog, CanaryStore } from '../ports';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const CALLERS = Number(process.env.BENCH_CALLERS ?? 20);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 100);
const KEY = 'bench-key-0123456789abcdef';
/** What the deployed API uses (functions/api-wiring.ts). */
const GITHUB_CONCURRENCY = Number(process.env.BENCH_GITHUB_CONCURRENCY ?? 50);
/** BENCH_SHARED_READS=0: no release-diff cache and no coalescing, every gate reads everything. */
const SHARED_READS = process.env.BENCH_SHARED_READS !== '0';

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

/** The fake GitHub server in a worker thread; `stop()` answers how many calls it served. */
async function startFakeGitHub(): Promise<{ url: string; stop: () => Promise<number> }> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { createServer } = require('node:http');
    const githubAnswer = ${githubAnswer.toString()};
    let calls = 0;
    const server = createServer((req, res) => {
      calls += 1;
      req.resume();
      const path = new URL(req.url || '/', 'http://x').pathname;
      setTimeout(() => {
        const body = githubAnswer(path);
        res.writeHead(body === null ? 404 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body === null ? { message: 'not found' } : body));
      }, workerData.latencyMs);
    });
    server.keepAliveTimeout = 60000;
    server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
    parentPort.on('message', () => parentPort.postMessage(calls));
  `;
  const worker = new Worker(code, { eval: true, workerData: { latencyMs: LATENCY_MS } });
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      const calls = new Promise<number>((resolve) => worker.once('message', resolve));
      worker.postMessage('count');
      const n = await calls;
      await worker.terminate();
      return n;
    },
  };
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; close: () => void }> {
  const server = createServer(handler);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => (server.closeAllConnections(), server.close()) };
}

function post(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function main(): Promise<void> {
  // The fake GitHub runs on a thread of its own, so its work does not count as the API's.
  const github = await startFakeGitHub();
  const appended: AuditEntry[] = [];
  const audit: AuditLog = { append: async (e) => (appended.push(e), { id: String(appended.length), created: true }), list: async () => [] };
  const canaries = { get: async () => null, list: async () => [], update: async () => undefined } as unknown as CanaryStore;
  let octokit: ReturnType<typeof createGitHubClient> | undefined;
  const app = createApp({
    canaries,
    audit,
    clock: { now: () => Date.now() },
    github: createGitHubGuardianFacts(() => (octokit ??= createGitHubClient({ token: 'bench', baseUrl: github.url, maxConcurrent: GITHUB_CONCURRENCY })), {
      ...(SHARED_READS ? {} : { diffCacheTtlMs: 0, coalesceReads: false }),
    }),
    authenticate: createAuthenticator({ apiKeys: () => ({ bench: KEY }) }),
    defaultRepository: 'acme/app',
    rateLimit: { capacity: 1e9, refillPerSecond: 1e9 },
    log: () => undefined,
  });
  const api = await listen(app);
  const body = JSON.stringify({ release: 'v29.1.0', channel: 'beta', previousRelease: 'v29.0.0' });

  // One warm-up call loads Octokit (ESM, lazily imported) outside the measurement.
  await post(`${api.url}/guardian/check`, body);
  const latencies: number[] = [];
  const cpuStart = process.cpuUsage();
  const failures = new Map<string, number>();
  const deadline = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (Date.now() < deadline) {
        const started = performance.now();
        try {
          const status = await post(`${api.url}/guardian/check`, body);
          latencies.push(performance.now() - started);
          if (status !== 200) failures.set(`HTTP ${status}`, (failures.get(`HTTP ${status}`) ?? 0) + 1);
        } catch (err) {
          failures.set((err as Error).message, (failures.get((err as Error).message) ?? 0) + 1);
        }
      }
    }),
  );
  const cpu = process.cpuUsage(cpuStart);
  api.close();
  const githubCalls = await github.stop();
  latencies.sort((a, b) => a - b);
  const errors = [...failures.values()].reduce((a, b) => a + b, 0);
  console.log(`guardian gate: ${CALLERS} concurrent callers for ${SECONDS} s, fake GitHub +${LATENCY_MS} ms per call, shared reads ${SHARED_READS ? 'on (default)' : 'off'}`);
  console.log(`  requests ${latencies.length}  (${(latencies.length / SECONDS).toFixed(1)}/s), GitHub calls ${githubCalls}, audit entries ${appended.length}`);
  console.log(`  p50 ${pct(latencies, 50).toFixed(1)} ms   p95 ${pct(latencies, 95).toFixed(1)} ms   p99 ${pct(latencies, 99).toFixed(1)} ms   max ${latencies[latencies.length - 1]?.toFixed(1)} ms`);
  console.log(`  API process CPU ${((cpu.user + cpu.system) / 1000 / Math.max(1, latencies.length)).toFixed(1)} ms per gate (whole process: API, load generator and the fake GitHub thread); load average ${loadavg()[0].toFixed(2)} on ${cpus().length} cores`);
  console.log(`  errors ${errors}${errors ? ' ' + JSON.stringify(Object.fromEntries(failures)) : ''}`);
  console.log(`  target p95 < 300 ms and zero errors: ${pct(latencies, 95) < 300 && errors === 0 ? 'MET' : 'NOT MET'}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
