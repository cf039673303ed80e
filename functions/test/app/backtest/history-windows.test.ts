import { historyWindows } from '../../../src/app/backtest';
import { judgedCounts, MAX_JUDGED_WINDOWS } from '../../../src/app/evaluate/judged-counts';
import type { WindowSample } from '../../../src/core/types';
import type { EvaluationRecord } from '../../../src/ports';

const T = Date.parse('2026-01-05T10:00:00Z');
const M = 60_000;
const win = (i: number, errors = 1): WindowSample => ({ start: T + i * M, durationMs: M, canary: { requests: 100, errors }, baseline: { requests: 900, errors: 9 } });

function record(i: number, windows: WindowSample[] | null, extra: Partial<EvaluationRecord> = {}): EvaluationRecord {
  return {
    verdict: 'green',
    decision: 'continue',
    reasons: [],
    metrics: {},
    at: T + (i + 1) * M,
    windowStart: windows?.at(-1)?.start ?? null,
    scheduleTime: T + (i + 1) * M,
    channel: 'alpha',
    rolloutPercent: 10,
    effects: [],
    dryRun: false,
    expireAt: T + 30 * 86_400_000,
    ...(windows ? { counts: { windows } } : {}),
    ...extra,
  } as EvaluationRecord;
}

describe('the counts a decision document keeps (judgedCounts)', () => {
  it('keeps only the windows this tick judged for the first time', () => {
    const fetched = [0, 1, 2, 3, 4].map((i) => win(i));
    expect(judgedCounts(fetched, T + 2 * M, T + 4 * M, undefined)!.windows.map((w) => w.start)).toEqual([T + 3 * M, T + 4 * M]);
    // A tick stopped at a rollback on window 3 does not keep window 4, which it never judged.
    expect(judgedCounts(fetched, T + 2 * M, T + 3 * M, ['error_rate'])).toEqual({ windows: [fetched[3]], metrics: ['error_rate'] });
    // Nothing new (a retried tick, no data): nothing kept.
    expect(judgedCounts(fetched, T + 4 * M, T + 4 * M, undefined)).toBeUndefined();
    expect(judgedCounts([], null, null, undefined)).toBeUndefined();
  });

  it('is bounded: at most the newest 60 windows, and no histogram of more than 200 buckets', () => {
    const many = Array.from({ length: 100 }, (_, i) => win(i));
    const kept = judgedCounts(many, null, T + 99 * M, undefined)!.windows;
    expect(kept).toHaveLength(MAX_JUDGED_WINDOWS);
    expect(kept[0]!.start).toBe(T + 40 * M);
    const huge = { bounds: Array.from({ length: 500 }, (_, i) => i + 1), counts: new Array<number>(501).fill(1) };
    const small = { bounds: [100, 200], counts: [1, 2, 3] };
    const w: WindowSample = { start: T, durationMs: M, canary: { requests: 10, errors: 0, latencyMs: huge }, baseline: { requests: 90, errors: 0, latencyMs: small } };
    const [stored] = judgedCounts([w], null, T, undefined)!.windows;
    expect(stored!.canary).toEqual({ requests: 10, errors: 0 });
    expect(stored!.baseline!.latencyMs).toEqual(small);
  });
});

describe('the series of one canary for the backtest (historyWindows)', () => {
  it('joins the stored windows in order, takes a window judged twice once (the later record), and fills a gap with windows without data', () => {
    const h = historyWindows([
      record(0, [win(0)]),
      record(1, [win(1, 5)], { superseded: 'changed' }),
      record(2, [win(1, 7), win(2)]),
      record(3, null),
      record(6, [win(5)]),
    ])!;
    expect(h.windows.map((w) => (w.start - T) / M)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(h.windows[1]!.canary!.errors).toBe(7);
    expect(h.windows[3]).toMatchObject({ canary: null, baseline: null });
    expect(h.windows[4]).toMatchObject({ canary: null, baseline: null });
    expect(h).toMatchObject({ channel: 'alpha', rolloutPercent: 10, withoutCounts: 1, truncated: false });
  });

  it('says there is nothing to replay when no record kept counts', () => {
    expect(historyWindows([record(0, null), record(1, null)])).toBeNull();
  });
});
