import { parseScenario, scenarioWindows } from '../../src/config/scenario-schema';

const valid = {
  name: 'x',
  platform: 'web',
  channel: 'alpha',
  release: 'v1.1.0',
  previousRelease: 'v1.0.0',
  start: '2026-01-05T10:00:00Z',
  windowSeconds: 60,
  windows: [
    { canary: { requests: 10, errors: 1 }, baseline: null },
    { baseline: { requests: 10, errors: 0, latencyMs: { bounds: [100, 200], counts: [5, 4, 1] } } },
  ],
};

function withWindow(i: number, w: unknown) {
  const windows = [...valid.windows] as unknown[];
  windows[i] = w;
  return { ...valid, windows };
}

describe('replay scenario schema', () => {
  it('accepts the spec format, with absent and null sides as no data', () => {
    const r = parseScenario(valid);
    if (!r.ok) throw new Error(r.error);
    const ws = scenarioWindows(r.scenario);
    expect(ws.map((w) => [w.start, w.durationMs, w.canary?.requests ?? null, w.baseline?.requests ?? null])).toEqual([
      [Date.parse('2026-01-05T10:00:00Z'), 60000, 10, null],
      [Date.parse('2026-01-05T10:01:00Z'), 60000, null, 10],
    ]);
  });

  it.each([
    [withWindow(1, { canary: { requests: 5, errors: 6 } }), 'windows[1].canary.errors: must be <= requests'],
    [withWindow(0, { canary: { requests: 5, errors: 1, successes: 6 } }), 'windows[0].canary.successes: must be <= requests'],
    [withWindow(0, { canary: { requests: 5, errors: 1, sessions: 2, crashes: 3 } }), 'windows[0].canary.crashes: must be <= sessions'],
    [withWindow(0, { canary: { requests: -1, errors: 0 } }), 'windows[0].canary.requests: must be >= 0'],
    [withWindow(0, { canary: { requests: 1.5, errors: 0 } }), 'windows[0].canary.requests: must be an integer'],
    [withWindow(0, { canary: { requests: 3, errors: 0, latencyMs: { bounds: [2, 1], counts: [1, 1, 1] } } }), 'windows[0].canary.latencyMs.bounds[1]: must be greater than the previous bound'],
    [withWindow(0, { canary: { requests: 3, errors: 0, latencyMs: { bounds: [1, 2], counts: [1, 1] } } }), 'windows[0].canary.latencyMs.counts: must have 3 entries (bounds.length + 1)'],
    [{ ...valid, platform: 'tv' }, 'platform: must be one of web, desktop, mobile'],
    [{ ...valid, windowSeconds: 0 }, 'windowSeconds: must be > 0'],
    [{ ...valid, start: 'yesterday' }, 'start: must be an RFC 3339 time'],
  ])('rejects %# with one line naming the field', (scenario, message) => {
    expect(parseScenario(scenario)).toEqual({ ok: false, error: message });
  });
});
