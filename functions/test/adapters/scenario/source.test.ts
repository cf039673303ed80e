import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScenarioMetricsSource, loadScenarioFile } from '../../../src/adapters/scenario/source';
import type { Scenario } from '../../../src/config/scenario-schema';
import { canaryFixture } from '../../app/evaluate/canary-fixture';

const scenario: Scenario = {
  name: 'three windows',
  platform: 'web',
  channel: 'alpha',
  release: 'v29.1.0',
  previousRelease: 'v29.0.0',
  start: '2026-01-05T10:00:00Z',
  windowSeconds: 60,
  windows: [
    { canary: { requests: 100, errors: 1 }, baseline: { requests: 1000, errors: 5 } },
    { canary: null, baseline: { requests: 1000, errors: 5 } },
    { canary: { requests: 100, errors: 9 }, baseline: null },
  ],
};

describe('scenario metrics source', () => {
  it('reveals one window per tick, re-timed so each keeps its start on later ticks', async () => {
    const source = createScenarioMetricsSource([scenario]);
    const canary = canaryFixture({ id: 'c' });
    const seen: { start: number; requests: number | null }[][] = [];
    for (let tick = 1; tick <= 4; tick++) {
      const range = { end: 600_000 + tick * 60_000, windowMs: 60_000, windows: 30 };
      const m = (await source.fetch([canary], range)).get('c')!;
      if (!m.ok) throw new Error(m.error);
      seen.push(m.windows.map((w) => ({ start: w.start, requests: w.canary?.requests ?? null })));
    }
    expect(seen[0]).toEqual([{ start: 600_000, requests: 100 }]);
    expect(seen[2]).toEqual([
      { start: 600_000, requests: 100 },
      { start: 660_000, requests: null },
      { start: 720_000, requests: 100 },
    ]);
    expect(source.exhausted()).toBe(true);
  });

  it('gives no data to a canary without a scenario', async () => {
    const source = createScenarioMetricsSource([scenario]);
    const m = (await source.fetch([canaryFixture({ id: 'x', release: 'v1' })], { end: 60_000, windowMs: 60_000, windows: 5 })).get('x');
    expect(m).toMatchObject({ ok: false, retryable: true });
  });

  it('names the file and the bad field of an invalid scenario', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scenario-'));
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ ...scenario, windows: [{ canary: { requests: 1, errors: 2 } }] }));
    await expect(loadScenarioFile(file)).rejects.toThrow(/bad\.json: windows\[0\]\.canary\.errors/);
  });
});
