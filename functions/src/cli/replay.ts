import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defaultPolicy } from '../config/default-policy';
import { loadPolicyFile } from '../config/policy-file';
import type { Policy } from '../config/policy-schema';
import { parseScenario, scenarioWindows, type Scenario } from '../config/scenario-schema';
import type { MttrFlag, PromotionHolds } from '../core/mttr';
import { evaluateTick, initialRolloutState, lookbackWindows } from '../core/tick';
import { CHANNELS, type Channel, type Evaluation, type MetricName } from '../core/types';

/**
 * `npm run --silent replay -- [--policy FILE] [--mttr-missed CHANNEL[:MINUTES]] SCENARIO.json`
 * (shared/spec/replay-format.md): JSON Lines on stdout, one per window; people's messages on
 * stderr; exit 2 with one line naming the bad field when the input is invalid. Runs the same
 * evaluateTick as the scheduled function. `--mttr-missed` replays as if an earlier incident on that
 * channel of the scenario's platform had missed its MTTR target and nobody had cleared the flag
 * (the scenario format carries no incidents).
 */

export interface ReplayLine {
  window: number;
  t: string;
  verdict: Evaluation['verdict'];
  decision: Evaluation['decision'];
  reasons: string[];
  metrics: Partial<Evaluation['metrics']>;
}

function round(v: number | null, digits: number): number | null {
  return v === null ? null : Number(v.toFixed(digits));
}

/**
 * The spec's four metrics, the web's 4xx/5xx rate where it is judged, and the absolute latency
 * limit only where the channel sets one: an unset SLA would print as a threshold of 0 ms.
 */
function rounded(metrics: Evaluation['metrics'], slaSet: boolean): Partial<Evaluation['metrics']> {
  const out: Partial<Evaluation['metrics']> = { ...metrics };
  if (!slaSet) delete out.p95_latency_sla;
  for (const k of Object.keys(out) as MetricName[]) {
    const d = k === 'p95_latency' || k === 'p95_latency_sla' ? 1 : 6;
    const m = out[k]!;
    out[k] = { ...m, canary: round(m.canary, d), baseline: round(m.baseline, d) };
  }
  return out;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Replays a validated scenario window by window with a sliding history, as the scheduler would. */
export function* replayScenario(scenario: Scenario, policy: Policy, holds?: PromotionHolds): Generator<ReplayLine> {
  const windows = scenarioWindows(scenario);
  const windowMs = scenario.windowSeconds * 1000;
  const keep = lookbackWindows(policy, windowMs);
  const slaSet = policy.channels[scenario.channel].latencySlaMs !== null;
  let state = initialRolloutState(policy, scenario.platform, scenario.channel, Date.parse(scenario.start));
  for (let i = 0; i < windows.length; i++) {
    const end = windows[i]!.start + windowMs;
    const r = evaluateTick({ policy, platform: scenario.platform, state, windows: windows.slice(Math.max(0, i - keep + 1), i + 1), gates: scenario.gates ?? {}, now: end, ...(holds ? { holds } : {}) });
    state = r.state;
    const e = r.evaluation;
    yield { window: i, t: iso(end), verdict: e.verdict, decision: e.decision, reasons: e.reasons, metrics: rounded(e.metrics, slaSet) };
    if (e.decision === 'rollback' || e.decision === 'promote') return;
  }
}

function fail(message: string): never {
  process.stderr.write(`${message.replace(/[\r\n]+/g, ' ')}\n`);
  process.exit(2);
}

const USAGE = 'usage: replay [--policy FILE] [--mttr-missed CHANNEL[:MINUTES]] SCENARIO.json';

/** `beta` or `beta:42`: the channel whose MTTR target an earlier incident missed, and by how long it took. */
function parseMttrMissed(value: string | undefined): { channel: Channel; minutes: number | null } {
  const m = /^([a-z]+)(?::(\d{1,5}(?:\.\d+)?))?$/.exec(value ?? '');
  if (!m || !(CHANNELS as readonly string[]).includes(m[1]!)) fail(`--mttr-missed: must be CHANNEL[:MINUTES] with CHANNEL one of ${CHANNELS.join(', ')}`);
  return { channel: m[1] as Channel, minutes: m[2] === undefined ? null : Number(m[2]) };
}

function main(argv: string[]): void {
  let policy: Policy = defaultPolicy;
  let missed: { channel: Channel; minutes: number | null } | null = null;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--policy') {
      const path = argv[++i];
      if (!path) fail('--policy: needs a FILE');
      const r = loadPolicyFile(resolve(process.env.INIT_CWD ?? process.cwd(), path));
      if (!r.ok) fail(`policy ${r.error}`);
      policy = r.policy;
    } else if (a === '--mttr-missed') missed = parseMttrMissed(argv[++i]);
    else if (a.startsWith('--')) fail(`${a}: unknown option (${USAGE})`);
    else files.push(a);
  }
  if (files.length !== 1) fail(USAGE);
  const file = files[0]!;
  // `npm --prefix functions run` runs us inside functions/: read paths as the user typed them.
  const base = process.env.INIT_CWD ?? process.cwd();
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(resolve(base, file), 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    fail(e.code ? `${file}: cannot read (${e.code})` : `${file}: invalid JSON (${e.message})`);
  }
  const parsed = parseScenario(json);
  if (!parsed.ok) fail(parsed.error);
  const { scenario } = parsed;
  let holds: PromotionHolds | undefined;
  if (missed) {
    const target = policy.channels[missed.channel].mttrMinutes;
    if (target === null) fail(`--mttr-missed: the ${missed.channel} channel has no MTTR target in this policy, so nothing can miss it`);
    const flag: MttrFlag = { canaryId: 'replay', incidentId: `earlier-${missed.channel}-incident`, platform: scenario.platform, channel: missed.channel, minutes: missed.minutes, targetMinutes: target };
    holds = { mttrFlags: [flag] };
  }
  let last: ReplayLine | null = null;
  for (const line of replayScenario(scenario, policy, holds)) {
    process.stdout.write(`${JSON.stringify(line)}\n`);
    last = line;
  }
  const summary = last ? `window ${last.window}: ${last.decision} (${last.verdict})${last.reasons.length ? ` - ${last.reasons.join('; ')}` : ''}` : 'no windows';
  process.stderr.write(`replayed "${scenario.name}" (${scenario.platform} ${scenario.channel} ${scenario.release}): ${summary}\n`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`replay failed: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
