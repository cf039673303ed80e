import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { defaultPolicy } from '../config/default-policy';
import type { Policy } from '../config/policy-schema';
import type { Channel } from '../core/types';
import { bakeMinutes, simulateBake, type BakeCase, type BakeRun } from './scenarios/bake-sim';
import { fixedTestPower, informationLimit } from './scenarios/oracle';
import { seeded } from './scenarios/random';

/**
 * `npm run bench:bakes`: healthy canaries over their full bakes (alpha 24 h, beta 48 h, stable
 * 7 days, mobile's day stages) at 20, 100 and 1,000 requests a minute and true rates at 30% and 70%
 * of the thresholds, then the same with the error rate jumping to 2x its threshold at a random
 * hour. One-minute windows, counts drawn from a seeded PRNG, two worker threads. Exits 1 when a
 * target is missed.
 */

const STAGES = [
  { label: 'web alpha', platform: 'web', channel: 'alpha', stageIndex: 0 },
  { label: 'web beta', platform: 'web', channel: 'beta', stageIndex: 0 },
  { label: 'web stable', platform: 'web', channel: 'stable', stageIndex: 0 },
  { label: 'mobile day 1 (10%)', platform: 'mobile', channel: 'stable', stageIndex: 0 },
  { label: 'mobile day 2 (25%)', platform: 'mobile', channel: 'stable', stageIndex: 1 },
  { label: 'mobile days 3-4 (50%)', platform: 'mobile', channel: 'stable', stageIndex: 2 },
  { label: 'mobile 100%', platform: 'mobile', channel: 'stable', stageIndex: 3 },
] as const;
const RPM = [20, 100, 1000];
const SHARES = [0.3, 0.7];
const HEALTHY_COPIES = 6;
const REGRESSION_COPIES = 2;
const REGRESSION = 2;
const WEEK = 7 * 24 * 60;

interface Job extends BakeCase {
  label: string;
  limit: number;
}

function jobs(policy: Policy, seed: number): Job[] {
  const rng = seeded(seed);
  const out: Job[] = [];
  const alpha = policy.evaluation.sequentialRollbackAlpha;
  for (const st of STAGES) {
    for (const rpm of RPM) {
      for (const share of SHARES) {
        const bake = bakeMinutes(policy, st);
        const t = policy.channels[st.channel as Channel].red.errorRate;
        const limit = informationLimit(rpm, t, REGRESSION, alpha);
        for (let i = 0; i < HEALTHY_COPIES; i++) {
          out.push({ ...st, rpm, share, onsetHour: null, regression: REGRESSION, maxMinutes: bake + 180, seed: Math.floor(rng() * 2 ** 31), limit });
        }
        // Late regressions start at a random hour that leaves 1.5x the limit before the bake ends.
        const latest = Math.floor((bake - 1.5 * limit) / 60) - 1;
        for (let i = 0; latest >= 1 && i < REGRESSION_COPIES; i++) {
          const onsetHour = 1 + Math.floor(rng() * latest);
          out.push({ ...st, rpm, share, onsetHour, regression: REGRESSION, maxMinutes: bake + 180, seed: Math.floor(rng() * 2 ** 31), limit });
        }
      }
    }
  }
  return out;
}

type Result = { job: Job; run: BakeRun };

function runAll(list: Job[]): Result[] {
  return list.map((job) => ({ job, run: simulateBake(defaultPolicy, job) }));
}

async function inWorkers(list: Job[], workers: number): Promise<Result[]> {
  const parts = Array.from({ length: workers }, (_, w) => list.filter((_, i) => i % workers === w));
  const results = await Promise.all(
    parts.map(
      (part) =>
        new Promise<Result[]>((resolve, reject) => {
          const worker = new Worker(__filename, { workerData: part });
          worker.once('message', (r: Result[]) => resolve(r));
          worker.once('error', reject);
        }),
    ),
  );
  return results.flat();
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

async function main(): Promise<number> {
  const started = Date.now();
  const policy = defaultPolicy;
  const list = jobs(policy, 20261129);
  const results = await inWorkers(list, 2);
  const healthy = results.filter((r) => r.job.onsetHour === null);
  const regressed = results.filter((r) => r.job.onsetHour !== null);
  const weeks = healthy.reduce((s, r) => s + r.run.minutes, 0) / WEEK;
  const falseRollbacks = healthy.filter((r) => r.run.rollbackAt !== null).length + regressed.filter((r) => r.run.rollbackAt !== null && r.run.rollbackAt <= r.job.onsetHour! * 60).length;
  const pauses = healthy.reduce((s, r) => s + r.run.pauses, 0);
  const onTime = (r: Result) => r.run.promotedAt !== null && r.run.promotedAt <= r.run.bakeMinutes + 60;

  console.log(`Bake benchmark: ${healthy.length} healthy stages (${weeks.toFixed(1)} canary-weeks of one-minute looks), ${regressed.length} late regressions to ${REGRESSION}x the error threshold`);
  console.log(`  policy: rollback alpha ${policy.evaluation.sequentialRollbackAlpha} and pause alpha ${policy.evaluation.sequentialPauseAlpha} per metric over each stage's bake (docs/decisions.md)`);
  console.log('');
  console.log(`${'stage'.padEnd(24)}${'req/min'.padStart(8)}  promoted on time (30% / 70% of threshold)   pauses   late regressions: windows to rollback vs information limit`);
  let allCaught = true;
  const caughtRatios: number[] = [];
  for (const st of STAGES) {
    for (const rpm of RPM) {
      const mine = healthy.filter((r) => r.job.label === st.label && r.job.rpm === rpm);
      const by = (share: number) => {
        const xs = mine.filter((r) => r.job.share === share);
        return `${xs.filter(onTime).length}/${xs.length}`;
      };
      const regs = regressed.filter((r) => r.job.label === st.label && r.job.rpm === rpm);
      const delays = regs.map((r) => (r.run.rollbackAt === null || r.run.rollbackAt <= r.job.onsetHour! * 60 ? Infinity : r.run.rollbackAt - r.job.onsetHour! * 60));
      const limit = regs[0]?.job.limit ?? mine[0]!.job.limit;
      for (const d of delays) {
        caughtRatios.push(d / limit);
        if (d > 1.5 * limit) allCaught = false;
      }
      const shown = delays.length ? delays.map((d) => (Number.isFinite(d) ? String(d) : 'missed')).join(', ') : '(bake too short)';
      const p = mine.reduce((s, r) => s + r.run.pauses, 0);
      console.log(`${st.label.padEnd(24)}${String(rpm).padStart(8)}  ${`${by(0.3)} / ${by(0.7)}`.padEnd(43)}${String(p).padStart(6)}   ${shown} (limit ${limit}, 1.5x = ${Math.floor(1.5 * limit)})`);
    }
  }
  const busy = healthy.filter((r) => r.job.rpm >= 100);
  const shareOnTime = busy.filter(onTime).length / busy.length;
  const sortedRatios = [...caughtRatios].sort((a, b) => a - b);
  console.log('');
  console.log(`false rollbacks: ${falseRollbacks} over ${weeks.toFixed(1)} healthy canary-weeks (${(falseRollbacks / weeks).toFixed(3)} per canary-week)`);
  console.log(`pauses of healthy canaries: ${pauses} (${(pauses / weeks).toFixed(3)} per canary-week)`);
  console.log(`healthy canaries promoted on time: all ${pct(healthy.filter(onTime).length / healthy.length)}, at >= 100 req/min ${pct(shareOnTime)}, at 20 req/min ${pct(healthy.filter((r) => r.job.rpm === 20).filter(onTime).length / healthy.filter((r) => r.job.rpm === 20).length)}`);
  console.log(`late regressions: detection time / information limit: median ${sortedRatios[Math.floor(sortedRatios.length / 2)]!.toFixed(2)}, worst ${sortedRatios.at(-1)!.toFixed(2)}; ${caughtRatios.filter((r) => r <= 1.5).length} of ${caughtRatios.length} within 1.5x`);
  // The target measured on the oracle that defines the limit: knowing each onset and testing once,
  // at 1.5x its own limit, it still misses each regression with the chance its test lacks power.
  const alpha = policy.evaluation.sequentialRollbackAlpha;
  const oracleAll = regressed.reduce((p, r) => p * fixedTestPower(Math.round(Math.floor(1.5 * r.job.limit) * r.job.rpm), policy.channels[r.job.channel].red.errorRate, REGRESSION, alpha), 1);
  console.log(`  the oracle that defines the limit (onset known, one exact test at ${alpha}) would catch all ${regressed.length} within 1.5x its limit with probability ${pct(oracleAll)}`);
  const targets: [string, boolean][] = [
    ['0 false rollbacks over >= 100 healthy canary-weeks', falseRollbacks === 0 && weeks >= 100],
    ['>= 95% of healthy canaries at >= 100 req/min promoted on time', shareOnTime >= 0.95],
    ['every late regression caught within 1.5x its information limit', allCaught],
  ];
  console.log('');
  for (const [label, met] of targets) console.log(`${met ? 'MET   ' : 'MISSED'} ${label}`);
  console.log(`(${((Date.now() - started) / 1000).toFixed(0)} s; npm run bench:decisions checks the hour-long scenarios)`);
  return targets.every(([, met]) => met) ? 0 : 1;
}

if (isMainThread) {
  main().then((code) => (process.exitCode = code), (err: unknown) => {
    process.stderr.write(`bench:bakes failed: ${String(err)}\n`);
    process.exitCode = 2;
  });
} else {
  parentPort!.postMessage(runAll(workerData as Job[]));
}
