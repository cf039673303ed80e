import { createHash, randomBytes } from 'node:crypto';
import type { Scenario } from '../../config/scenario-schema';
import type { SideCounts } from '../../core/types';
import type { TelemetryReport } from '../../app/telemetry/report-schema';
import { addSides, dealSide, scaleSide, seededRandom, type InstallMinute } from './deal';
import { brokenSide, type CanaryBreak } from './canary-break';

/** What the population reported in one tick, per release, and what the ingest answered. */
export interface TickReports {
  window: number;
  start: number;
  posted: number;
  accepted: number;
  /** Answers other than 202, by status (with the first error body), e.g. a revoked key. */
  refused: Map<number, string>;
  /** Per release: its installs, those that reported (the rest sampled themselves out), and what they reported. */
  releases: { release: string; installs: number; reporting: number; requests: number; errors: number; sampleRate: number }[];
}

/** Where an install falls in [0, 1): it reports while this is below the release's sampleRate (the spec's hash(installId)). */
export function sampleHash(installId: string): number {
  return parseInt(createHash('sha256').update(installId).digest('hex').slice(0, 8), 16) / 2 ** 32;
}

export interface PopulationOptions {
  scenario: Scenario;
  ingestUrl: string;
  key: string;
  /** Installs in all (canary and previous release). */
  installs: number;
  /** The release the canary's installs run now: the scenario's release until a rollback moved them back. */
  canaryInstallsRun: () => Promise<string>;
  /**
   * The demo page's break: once broken, the canary's installs fail at its rate (a fault of the
   * release reaches all its users). With `waitForBreak` they play the previous release's rates
   * until then and the scenario's windows repeat, so the story waits for the click.
   */
  canaryBreak?: Pick<CanaryBreak, 'broken' | 'failRate' | 'waitForBreak'>;
  /** Requests in flight at once. */
  concurrency?: number;
  seed?: number;
}

/** A scenario window's side, or null when nobody on it reported (no data, not zero). */
const sideOf = (s: Scenario, window: number, which: 'canary' | 'baseline'): SideCounts | null => s.windows[window]?.[which] ?? null;

/**
 * Simulated installs, in process: each tick they play one window of the scenario, the canary's
 * installs its `canary` side and the previous release's installs its `baseline` side, and post
 * what each saw as a spec batch to the runner's own ingest (POST /v1/telemetry, the local key).
 * Installs are split between the releases in the share of the scenario's traffic. After a
 * rollback the canary's installs run what they are served again (the previous release) and report
 * it at the previous release's rates, as real users would.
 */
export function createPopulation(options: PopulationOptions) {
  const { scenario } = options;
  const random = seededRandom(options.seed ?? 20_260_105);
  const first = scenario.windows.find((w) => w.canary && w.baseline);
  const share = first?.canary && first.baseline ? first.canary.requests / (first.canary.requests + first.baseline.requests) : 0.1;
  const canaryInstalls = Math.max(1, Math.min(options.installs - 1, Math.round(options.installs * share)));
  const ids = Array.from({ length: options.installs }, (_, i) => `local-install-${String(i).padStart(4, '0')}`);
  const canaryIds = ids.slice(0, canaryInstalls);
  const baselineIds = ids.slice(canaryInstalls);
  const windowMs = scenario.windowSeconds * 1000;
  let next = 0;
  // The sampleRate the ingest last answered per release: installs outside it stop reporting, as the spec says.
  const sampleRates = new Map<string, number>();

  async function post(installId: string, release: string, start: number, minute: InstallMinute): Promise<number | [number, string]> {
    const report: TelemetryReport & { key: string } = {
      key: options.key,
      batchId: `b${randomBytes(9).toString('base64url')}`,
      installId,
      platform: scenario.platform,
      release,
      channel: scenario.channel,
      windows: [{ start: new Date(start).toISOString(), ...minute }],
    };
    const send = () => fetch(options.ingestUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(report) });
    // A client retries a batch that got no answer with the same batchId: the ingest counts it once.
    const res = await send().catch(() => send());
    const text = await res.text();
    if (res.status !== 202) return [res.status, text.slice(0, 200)];
    const rate = (JSON.parse(text) as { sampleRate?: unknown }).sampleRate;
    if (typeof rate === 'number' && rate > 0 && rate <= 1) sampleRates.set(release, rate);
    return 202;
  }

  return {
    canaryInstalls,
    baselineInstalls: baselineIds.length,
    /** Every window of the scenario was played (never, while the story waits for the demo's break). */
    exhausted: () => !options.canaryBreak?.waitForBreak && next >= scenario.windows.length,
    /** Plays the next window of the scenario, stamped `start` (the minute the evaluator reads next). */
    async playWindow(start: number): Promise<TickReports> {
      const window = next++;
      const follow = options.canaryBreak;
      const played = follow?.waitForBreak ? window % scenario.windows.length : window;
      let canarySide = sideOf(scenario, played, 'canary');
      const baselineSide = sideOf(scenario, played, 'baseline');
      // Waiting for the break: the canary's installs see what the previous release's see, at their own volume.
      if (follow?.waitForBreak && canarySide && baselineSide) canarySide = scaleSide(baselineSide, canarySide.requests);
      if (follow?.broken() && canarySide) canarySide = brokenSide(canarySide, follow.failRate);
      const canaryRuns = await options.canaryInstallsRun();
      const groups: { release: string; ids: string[]; side: SideCounts | null }[] = [];
      if (canaryRuns === scenario.release) {
        groups.push({ release: scenario.release, ids: canaryIds, side: canarySide }, { release: scenario.previousRelease, ids: baselineIds, side: baselineSide });
      } else {
        // Moved back: the canary's installs make their usual requests, at the release they now run's rates.
        const moved = canarySide && baselineSide ? scaleSide(baselineSide, canarySide.requests) : null;
        const side = baselineSide && moved ? addSides(baselineSide, moved) : baselineSide;
        groups.push({ release: canaryRuns, ids: [...canaryIds, ...baselineIds], side });
      }
      const jobs: (() => Promise<number | [number, string]>)[] = [];
      const releases: TickReports['releases'] = [];
      for (const g of groups) {
        if (!g.side) continue;
        const minutes = dealSide(g.side, g.ids.length, random);
        const sampleRate = sampleRates.get(g.release) ?? 1;
        const entry = { release: g.release, installs: g.ids.length, reporting: 0, requests: 0, errors: 0, sampleRate };
        minutes.forEach((m, i) => {
          if ((m.requests === 0 && !m.sessions) || sampleHash(g.ids[i]!) >= sampleRate) return;
          entry.reporting++;
          entry.requests += m.requests;
          entry.errors += m.errors;
          jobs.push(() => post(g.ids[i]!, g.release, start, m));
        });
        releases.push(entry);
      }
      const answers: (number | [number, string])[] = [];
      let cursor = 0;
      const worker = async () => {
        while (cursor < jobs.length) {
          const job = jobs[cursor++]!;
          answers.push(
            await job().catch((err: unknown): [number, string] => {
              // fetch says only "fetch failed"; the reason (refused, reset, timeout) is its cause.
              const cause = (err as { cause?: { message?: string; code?: string } })?.cause;
              return [0, `${String((err as Error)?.message ?? err)}${cause ? `: ${cause.code ?? ''} ${cause.message ?? ''}` : ''}`];
            }),
          );
        }
      };
      await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 32, jobs.length) }, worker));
      const refused = new Map<number, string>();
      for (const a of answers) if (typeof a !== 'number' && !refused.has(a[0])) refused.set(a[0], a[1]);
      return { window, start, posted: jobs.length, accepted: answers.filter((a) => a === 202).length, refused, releases };
    },
    windowMs,
  };
}

export type Population = ReturnType<typeof createPopulation>;
