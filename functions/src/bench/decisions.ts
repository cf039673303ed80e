import { defaultPolicy } from '../config/default-policy';
import { loadPolicyFile } from '../config/policy-file';
import type { Policy } from '../config/policy-schema';
import { replayScenario } from '../cli/replay';
import type { Decision } from '../core/types';
import { literalDecisions } from './literal-policy';
import { DETECT_WITHIN, DETECTABLE_ALPHA, DETECTABLE_POWER, generateSuite, type BenchCase } from './scenarios/generate';

/**
 * `npm run bench:decisions [-- --seed N] [-- --policy FILE]`: decision quality of this policy and
 * of the document's literal point checks on the same seeded suite. Exits 1 when a target is missed.
 */

interface Score {
  falseRollbacks: number;
  detectable: number;
  caught: number;
  delays: number[];
  pauses: number;
  weakCaught: number;
}

function score(cases: readonly BenchCase[], decide: (c: BenchCase) => Decision[]): Score {
  const s: Score = { falseRollbacks: 0, detectable: 0, caught: 0, delays: [], pauses: 0, weakCaught: 0 };
  for (const c of cases) {
    const decisions = decide(c);
    const at = decisions.indexOf('rollback');
    if (decisions.includes('pause')) s.pauses++;
    const healthyThen = c.onset === null || (at >= 0 && at < c.onset);
    if (at >= 0 && healthyThen) s.falseRollbacks++;
    if (c.onset !== null && !c.detectable && at >= c.onset) s.weakCaught++;
    if (c.onset !== null && c.detectable) {
      s.detectable++;
      const delay = at - c.onset + 1;
      if (at >= c.onset && delay <= DETECT_WITHIN) {
        s.caught++;
        s.delays.push(delay);
      }
    }
  }
  return s;
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function main(argv: string[]): number {
  let seed = 20260105;
  let policy: Policy = defaultPolicy;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--seed') seed = Number(argv[++i]);
    else if (argv[i] === '--policy') {
      const r = loadPolicyFile(argv[++i] ?? '');
      if (!r.ok) {
        process.stderr.write(`${r.error}\n`);
        return 2;
      }
      policy = r.policy;
    }
  }
  const started = Date.now();
  const cases = generateSuite(seed, policy);
  const ours = score(cases, (c) => [...replayScenario(c.scenario, policy)].map((l) => l.decision));
  const literal = score(cases, (c) => literalDecisions(c.scenario, policy));
  const n = cases.length;
  const rows: [string, (s: Score) => string][] = [
    ['false rollbacks (of all scenarios)', (s) => `${s.falseRollbacks} (${pct(s.falseRollbacks / n)})`],
    [`detectable regressions caught within ${DETECT_WITHIN} windows`, (s) => `${s.caught}/${s.detectable} (${pct(s.caught / s.detectable)})`],
    ['median windows from onset to rollback', (s) => String(median(s.delays))],
    ['rollbacks of regressions too weak to count', (s) => String(s.weakCaught)],
    ['scenarios with a pause', (s) => String(s.pauses)],
  ];
  const families = new Map<string, number>();
  for (const c of cases) families.set(c.family, (families.get(c.family) ?? 0) + 1);
  console.log(`Decision benchmark: ${n} scenarios, seed ${seed}, 60 one-minute windows each`);
  console.log(`  ${[...families].map(([f, k]) => `${f} ${k}`).join(', ')}`);
  const regressions = cases.filter((c) => c.onset !== null).length;
  console.log(`  ${regressions} regressions, ${ours.detectable} detectable: an exact one-sided binomial test at ${DETECTABLE_ALPHA} on the ${DETECT_WITHIN} windows after onset`);
  console.log(`  would catch them with power >= ${DETECTABLE_POWER} (latency at the histograms' bucket resolution); see docs/decisions.md`);
  // What the 97% target asks, measured on the bar itself: that oracle, knowing the onset and looking once, is not sure of them either.
  const oracleExpected = cases.filter((c) => c.detectable).reduce((sum, c) => sum + c.oraclePower, 0);
  console.log(`  that oracle itself would catch an expected ${oracleExpected.toFixed(1)} of them (${pct(oracleExpected / ours.detectable)}), looking once at the onset it knows`);
  console.log('');
  console.log(`${'metric'.padEnd(52)}${'this policy'.padEnd(22)}document, literal`);
  for (const [label, f] of rows) console.log(`${label.padEnd(52)}${f(ours).padEnd(22)}${f(literal)}`);
  const targets: [string, boolean][] = [
    ['false rollbacks < 1% of scenarios', ours.falseRollbacks / n < 0.01],
    ['>= 97% of detectable regressions caught', ours.caught / ours.detectable >= 0.97],
    ['median time to detect <= 2 windows', median(ours.delays) <= 2],
    ['suite has >= 200 scenarios', n >= 200],
  ];
  console.log('');
  for (const [label, met] of targets) console.log(`${met ? 'MET   ' : 'MISSED'} ${label}`);
  console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return targets.every(([, met]) => met) ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
