/**
 * npm run bench:coldstart — what a cold start costs. In fresh processes, in one run: the time to
 * require the built entry against the firebase-functions providers alone (target: at most 1.5x),
 * and each deployed function's first invocation with the heavy client libraries it loaded (none it
 * does not use). Functions talk to an in-process Firestore server; outside APIs are not called.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolve } from 'node:path';
import { startFirestoreServer } from '../testing/firestore-server';

const RUNS = Number(process.env.COLDSTART_RUNS ?? 7);
const probe = resolve(__dirname, 'coldstart-probe.js');

interface ProbeResult {
  mode: string;
  name?: string;
  requireMs: number;
  firstInvocationMs?: number;
  outcome?: string;
  exports?: string[];
  heavyLoaded?: string[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

// Asynchronous on purpose: the Firestore server the probes talk to runs in this process.
async function run(env: NodeJS.ProcessEnv, ...args: string[]): Promise<ProbeResult> {
  const { stdout } = await promisify(execFile)(process.execPath, [probe, ...args], { env, encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as ProbeResult;
}

async function main(): Promise<void> {
  const firestore = await startFirestoreServer();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FIRESTORE_EMULATOR_HOST: firestore.host,
    GCLOUD_PROJECT: 'demo-coldstart',
    FIREBASE_CONFIG: JSON.stringify({ projectId: 'demo-coldstart' }),
    API_KEYS: JSON.stringify({ bench: 'bench-key-0123456789abcdef' }),
    GITHUB_TOKEN: 'unused',
    GLOBAL_DRY_RUN: 'true',
  };
  try {
    const providers: number[] = [];
    const entry: number[] = [];
    let exports: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      // Interleaved, so drift in machine load hits both alike.
      providers.push((await run(env, 'providers')).requireMs);
      const e = await run(env, 'entry');
      entry.push(e.requireMs);
      exports = e.exports ?? [];
    }
    const p = median(providers);
    const e = median(entry);
    console.log(`node ${process.version}, ${RUNS} fresh processes each (medians)`);
    console.log(`require firebase-functions providers alone: ${p.toFixed(1)} ms`);
    console.log(`require built entry (lib/index.js):         ${e.toFixed(1)} ms  (${(e / p).toFixed(2)}x providers; target <= 1.5x: ${e <= 1.5 * p ? 'met' : 'NOT met'})`);
    console.log('first invocation per function (fresh process each):');
    for (const name of exports) {
      const r = await run(env, 'invoke', name);
      console.log(
        `  ${name.padEnd(22)} require ${r.requireMs.toFixed(1)} ms, first invocation ${r.firstInvocationMs!.toFixed(1)} ms (${r.outcome}); heavy clients loaded: ${r.heavyLoaded!.length ? r.heavyLoaded!.join(', ') : 'none'}`,
      );
    }
    if (e > 1.5 * p) process.exitCode = 1;
  } finally {
    firestore.stop();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
