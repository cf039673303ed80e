import type { Canary } from '../../../src/core/canary';
import type { Histogram, SideCounts, WindowSample } from '../../../src/core/types';
import { defaultEvaluateSettings, type EvaluateDeps, type EvaluateLogger } from '../../../src/app/evaluate';
import type { AuditLog, CanaryMetrics, CanaryStore, ConfigStore, MetricsRange, MetricsSource, PlatformActuators, PromotionStep } from '../../../src/ports';
import type { Lease } from '../../../src/ports/lease';
import { MemoryLease } from '../../fakes/memory-lease';
import { MemoryAuditLog, MemoryCanaryStore } from '../../fakes/memory-store';

export { MemoryLease };

/** Latency in 10 ms buckets, spread evenly over 20-100 ms; `shift` moves it up by that many buckets. */
export function latency(requests: number, shift = 0): Histogram {
  const bounds = Array.from({ length: 100 }, (_, i) => 10 * (i + 1));
  const counts = new Array<number>(bounds.length + 1).fill(0);
  for (let i = 0; i < 8; i++) counts[2 + i + shift] += Math.floor(requests / 8) + (i < requests % 8 ? 1 : 0);
  return { bounds, counts };
}

export function side(requests: number, errors: number, extra: Partial<SideCounts> = {}): SideCounts {
  return { requests, errors, latencyMs: latency(requests), ...extra };
}

export const green = (): Pick<WindowSample, 'canary' | 'baseline'> => ({ canary: side(5000, 2), baseline: side(50000, 20) });
export const red = (): Pick<WindowSample, 'canary' | 'baseline'> => ({ canary: side(5000, 600), baseline: side(50000, 20) });
export const noData = (): Pick<WindowSample, 'canary' | 'baseline'> => ({ canary: null, baseline: null });

/** Windows over the requested range, each side chosen by `pick(windowStart)`. */
export function windowsFor(range: MetricsRange, pick: (start: number) => Pick<WindowSample, 'canary' | 'baseline'>): WindowSample[] {
  const first = range.end - range.windows * range.windowMs;
  return Array.from({ length: range.windows }, (_, i) => {
    const start = first + i * range.windowMs;
    return { start, durationMs: range.windowMs, ...pick(start) };
  });
}

/** A scripted MetricsSource: per canary, either windows (by pick) or a failure. */
export class ScriptedMetrics implements MetricsSource {
  calls = 0;
  ranges: MetricsRange[] = [];
  script: (canary: Canary, range: MetricsRange) => CanaryMetrics = (_c, range) => ({ ok: true, windows: windowsFor(range, green) });

  async fetch(canaries: Canary[], range: MetricsRange): Promise<Map<string, CanaryMetrics>> {
    this.calls++;
    this.ranges.push(range);
    return new Map(canaries.map((c) => [c.id, this.script(c, range)]));
  }
}

export class RecordingActuators implements PlatformActuators {
  readonly promotions: { canaryId: string; from: PromotionStep; to: PromotionStep }[] = [];
  fail: Error | undefined;
  async promote(canary: Canary, from: PromotionStep, to: PromotionStep) {
    if (this.fail) throw this.fail;
    this.promotions.push({ canaryId: canary.id, from, to });
    return { status: 'done' as const, detail: 'fake' };
  }
}

/** A lease that never refuses: isolates the per-canary claim in tests of overlapping runs. */
export const openLease: Lease = {
  acquire: async (_n, _h, ttl, now) => ({ acquired: true, term: 1, expiresAt: now + ttl }),
  release: async () => undefined,
};

export class CapturingLogger implements EvaluateLogger {
  readonly lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  info(message: string, fields?: Record<string, unknown>) {
    this.lines.push({ level: 'info', message, fields });
  }
  warn(message: string, fields?: Record<string, unknown>) {
    this.lines.push({ level: 'warn', message, fields });
  }
  error(message: string, fields?: Record<string, unknown>) {
    this.lines.push({ level: 'error', message, fields });
  }
}

export class MemoryConfig implements ConfigStore {
  readonly docs = new Map<string, unknown>();
  async get(name: string) {
    return this.docs.get(name) ?? null;
  }
}

export interface Harness {
  deps: EvaluateDeps;
  canaries: CanaryStore;
  audit: AuditLog;
  metrics: ScriptedMetrics;
  actuators: RecordingActuators;
  logger: CapturingLogger;
  config: MemoryConfig;
  clock: { t: number; now(): number };
}

/** Deps over in-memory fakes (or the given store and audit log, e.g. the Firestore adapters). */
export function harness(options: { canaries?: CanaryStore; audit?: AuditLog; lease?: Lease; now?: number } = {}): Harness {
  const clock = { t: options.now ?? Date.parse('2026-01-07T12:00:30Z'), now() { return this.t; } };
  // In memory, the store checks fenced writes against the harness's own lease.
  const lease = options.lease ?? new MemoryLease();
  const audit = options.audit ?? new MemoryAuditLog();
  const canaries = options.canaries ?? new MemoryCanaryStore(lease instanceof MemoryLease ? lease : undefined, audit instanceof MemoryAuditLog ? audit : undefined);
  const metrics = new ScriptedMetrics();
  const actuators = new RecordingActuators();
  const logger = new CapturingLogger();
  const config = new MemoryConfig();
  const deps: EvaluateDeps = {
    canaries,
    audit,
    config,
    metrics,
    actuators,
    lease,
    clock,
    logger,
    settings: { ...defaultEvaluateSettings },
  };
  return { deps, canaries, audit, metrics, actuators, logger, config, clock };
}
