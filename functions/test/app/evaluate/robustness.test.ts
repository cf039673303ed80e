import fc from 'fast-check';
import { assembleWindows, SeriesIndex } from '../../../src/adapters/monitoring/assemble';
import { evaluateAll } from '../../../src/app/evaluate';
import { defaultMetricTemplates } from '../../../src/config/metric-templates';
import type { Canary } from '../../../src/core/canary';
import type { SideCounts } from '../../../src/core/types';
import { MemoryCanaryStore } from '../../fakes/memory-store';
import { canaryFixture } from './canary-fixture';
import { green, harness, side, windowsFor } from './harness';

const T = Date.parse('2026-01-07T12:00:00Z');
const at = (minutes: number) => new Date(T + minutes * 60_000).toISOString();

async function stored(store: MemoryCanaryStore, id: string): Promise<Canary> {
  const read = await store.get(id);
  if (!read?.ok) throw new Error('unreadable');
  return read.canary;
}

const weird = fc.oneof(fc.constant(Number.NaN), fc.constant(Infinity), fc.constant(-Infinity), fc.integer({ min: -1000, max: -1 }), fc.double({ min: 0.1, max: 99.9, noInteger: true }));

describe('invalid and oscillating metrics (S7, S9)', () => {
  it('never asks for a rollback from NaN, Infinity, negative or partial counts (property, S7)', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Every window's canary side has at least one impossible count, or is missing altogether.
        fc.array(
          fc.oneof(
            fc.record({ requests: fc.nat({ max: 5000 }), errors: weird }),
            fc.record({ requests: weird, errors: fc.nat({ max: 5000 }) }),
            fc.record({ requests: fc.nat({ max: 100 }), errors: fc.integer({ min: 101, max: 5000 }) }),
            fc.constant(null),
          ),
          { minLength: 30, maxLength: 30 },
        ),
        async (rows) => {
          const h = harness();
          const store = h.canaries as MemoryCanaryStore;
          await store.createIfAbsent(canaryFixture({ id: 'p' }));
          h.metrics.script = (_c, range) => ({
            ok: true,
            windows: windowsFor(range, (start) => {
              const row = rows[Math.round((start - (range.end - range.windows * range.windowMs)) / range.windowMs)]!;
              return { canary: row as SideCounts | null, baseline: side(50000, 20) };
            }),
          });
          await evaluateAll(h.deps, at(0));
          const c = await stored(store, 'p');
          return c.rollbackRequest === undefined && c.status !== 'rollback_requested';
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keeps only valid counts when turning recorded Monitoring points into windows (property, S7)', () => {
    const template = defaultMetricTemplates.platforms.web![0]!;
    const range = { end: T, windowMs: 60_000, windows: 5 };
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom('NaN', '-3', '1e400', 'Infinity', '12', '0')), { minLength: 5, maxLength: 5 }), (values) => {
        const points = values.map((v, i) => ({ interval: { endTime: { seconds: (T - i * 60_000) / 1000 } }, value: { int64Value: v } }));
        const index = new SeriesIndex(template, [
          { metric: { labels: { response_code_class: '5xx' } }, resource: { labels: { revision_name: 'api-v29-1-0' } }, points },
        ]);
        const windows = assembleWindows(canaryFixture(), [index], range);
        return windows.every((w) => w.canary === null || (Number.isInteger(w.canary.errors) && w.canary.errors >= 0 && Number.isFinite(w.canary.errors)));
      }),
    );
  });

  it('does not flap between pause and resume, and rolls back at most once, on an alternating metric (S9)', async () => {
    const h = harness();
    const store = h.canaries as MemoryCanaryStore;
    await store.createIfAbsent(canaryFixture({ id: 'alt' }));
    // Window k fails (9% errors, threshold 5%) when k is odd, passes (0.04%) when even.
    const failing = () => ({ canary: side(5000, 450), baseline: side(50000, 20) });
    h.metrics.script = (_c, range) => ({ ok: true, windows: windowsFor(range, (start) => ((start / range.windowMs) % 2 === 1 ? failing() : green())) });
    const decisions: string[] = [];
    const statuses: string[] = [];
    for (let i = 0; i < 12; i++) {
      const report = await evaluateAll(h.deps, at(i));
      const o = report.outcomes[0];
      decisions.push(o && o.status === 'decided' ? o.decision : (o?.status ?? 'none'));
      statuses.push((await stored(store, 'alt')).status);
    }
    // Each failing window pauses; the green windows in between never add up to a resume.
    expect(new Set(statuses)).toEqual(new Set(['paused']));
    const changes = statuses.filter((s, i) => i > 0 && s !== statuses[i - 1]).length;
    expect(changes).toBeLessThanOrEqual(1);
    expect(decisions.filter((d) => d === 'rollback').length).toBeLessThanOrEqual(1);
    const c = await stored(store, 'alt');
    expect(c.rollbackRequest?.generation ?? 0).toBeLessThanOrEqual(1);
  });
});
