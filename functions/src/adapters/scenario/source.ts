import { readFile } from 'node:fs/promises';
import { parseScenario, scenarioWindows, type Scenario } from '../../config/scenario-schema';
import type { Canary } from '../../core/canary';
import type { CanaryMetrics, MetricsRange, MetricsSource } from '../../ports/metrics';

/** A MetricsSource that also says how far the scenarios have been played. */
export interface ScenarioMetricsSource extends MetricsSource {
  /** Ticks played so far (one new window per tick). */
  readonly ticks: number;
  /** True once every scenario's last window has been served. */
  exhausted(): boolean;
}

/**
 * Plays replay-format scenarios (shared/spec/replay-format.md) to the local runner, one window per
 * tick: a canary gets the scenario of its platform and release. Revealed windows are re-timed onto
 * the tick's range (the newest at range.end - windowMs), so a runner ticking once per window sees
 * each scenario window exactly once, in order, with the same start on every later tick.
 */
export function createScenarioMetricsSource(scenarios: Scenario[]): ScenarioMetricsSource {
  let ticks = 0;
  const longest = Math.max(0, ...scenarios.map((s) => s.windows.length));
  const find = (c: Canary) => scenarios.find((s) => s.platform === c.platform && s.release === c.release);
  // After a rollback the channel serves the previous release, whose users behave like the
  // scenario's baseline: that is what the recovery watch sees for the restored population.
  const restored = (c: Canary): Scenario | undefined => {
    const s = scenarios.find((x) => x.platform === c.platform && x.previousRelease === c.release && x.release !== c.release);
    return s && { ...s, windows: s.windows.map((w) => ({ canary: w.baseline, baseline: w.baseline })) };
  };

  return {
    get ticks() {
      return ticks;
    },
    exhausted: () => ticks >= longest,
    async fetch(canaries: Canary[], range: MetricsRange): Promise<Map<string, CanaryMetrics>> {
      ticks++;
      const out = new Map<string, CanaryMetrics>();
      for (const canary of canaries) {
        const scenario = find(canary) ?? restored(canary);
        if (!scenario) {
          out.set(canary.id, { ok: false, error: `no scenario for ${canary.platform} ${canary.release}`, retryable: true });
          continue;
        }
        const revealed = scenarioWindows(scenario).slice(0, Math.min(ticks, scenario.windows.length));
        const shown = revealed.slice(-range.windows);
        out.set(canary.id, {
          ok: true,
          windows: shown.map((w, i) => ({ ...w, durationMs: range.windowMs, start: range.end - (shown.length - i) * range.windowMs })),
        });
      }
      return out;
    },
  };
}

/** Reads and validates a scenario file; the error names the file and the first bad field. */
export async function loadScenarioFile(path: string): Promise<Scenario> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: not readable JSON (${String((err as Error)?.message ?? err)})`);
  }
  const parsed = parseScenario(json);
  if (!parsed.ok) throw new Error(`${path}: ${parsed.error}`);
  return parsed.scenario;
}
