import fc from 'fast-check';
import { checkReport } from '../../../src/app/telemetry/report-check';
import { TelemetryBody } from '../../../src/app/telemetry/report-schema';

/** Bodies as the server sees them: JSON text parsed (no undefined, no Infinity, own keys only). */
const asReceived = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

/** Mostly a valid value, sometimes a near miss: agreement is tested on both sides of every rule. */
const often = <T, U>(valid: fc.Arbitrary<T>, misses: fc.Arbitrary<U>) => fc.oneof({ weight: 12, arbitrary: valid }, { weight: 1, arbitrary: misses });
const edges = fc.constantFrom(0, 1, 3, 999, 1000, 1001, 99_999, 100_000, 100_001, -1, 1.5, -0, 2 ** 53, '3', null);
const small = (max: number) => often(fc.integer({ min: 0, max }), edges);
const start = often(
  fc.constantFrom('2026-11-29T07:00:00Z', '2026-11-29T07:01:00Z', '2026-11-29T07:02:00Z', '2026-11-29T07:03:00.000Z'),
  fc.constantFrom('2026-11-29T07:00:00.000Z', '2026-11-29t07:01:00+00:00', '2026-11-29T07:00:30Z', '2026-02-30T00:00:00Z', '2026-11-29T07:00:00+01:00', 'yesterday', 7),
);
const bucketKey = often(fc.constantFrom('0', '1', '10', '45', '90'), fc.constantFrom('91', '100', '01', '-1', 'a', ' 1', '__proto__'));
const latency = often(
  fc.record({ counts: fc.array(fc.tuple(bucketKey, small(10)), { maxLength: 4 }).map((pairs) => Object.fromEntries(pairs)) }),
  fc.constantFrom({}, { counts: [] }, { counts: null }, { counts: {}, extra: 1 }, [], { counts: { '10': 200 } }),
);
const window = fc
  .record({ start, requests: often(fc.integer({ min: 30, max: 100 }), edges), errors: small(5), clientErrors: small(5), successes: small(40), sessions: small(4), crashes: small(3), latencyMs: latency, extra: fc.constant(true) }, { requiredKeys: ['start', 'requests', 'errors'] })
  .chain((w) => fc.nat(19).map((n) => (n === 0 ? w : { ...w, extra: undefined })));
const id = often(fc.constantFrom('install-0001', 'abcdEFGH_-12', 'a'.repeat(64)), fc.constantFrom('short', 'has space!', 'a'.repeat(65), 7));
const release = often(fc.constantFrom('v1.0.0', 'v29.1.0', 'a'.repeat(64), '\u{1F600}'.repeat(64)), fc.constantFrom('a'.repeat(65), '\u{1F600}'.repeat(65), 'v1/2', '', 5));
const body = fc
  .record(
    {
      key: often(fc.constantFrom('cgt_' + 'k'.repeat(32), 'x'.repeat(200)), fc.constantFrom('', 'x'.repeat(201), 5, null)),
      batchId: id,
      installId: id,
      platform: often(fc.constantFrom('web', 'desktop', 'mobile'), fc.constantFrom('tv', 1)),
      release,
      channel: often(fc.constantFrom('alpha', 'beta', 'stable'), fc.constantFrom('dev', null)),
      windows: often(fc.array(window, { minLength: 1, maxLength: 3 }), fc.oneof(fc.array(window, { minLength: 10, maxLength: 11 }), fc.constant([]), fc.constant({}))),
      surprise: fc.constant(1),
    },
    { requiredKeys: ['batchId', 'installId', 'platform', 'release', 'channel', 'windows'] },
  )
  .chain((b) => fc.nat(19).map((n) => (n === 0 ? b : { ...b, surprise: undefined })));

describe('the hand-written report check', () => {
  it('accepts exactly the bodies the zod schema accepts (but leaves a "__proto__" bucket to zod), and returns the same report', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(body.map(asReceived), (b) => {
        const fast = checkReport(b);
        const slow = TelemetryBody.safeParse(b);
        // zod's record drops a "__proto__" key instead of refusing it; the check leaves such a body to zod.
        const protoBucket = slow.success && JSON.stringify(b).includes('"__proto__"');
        expect({ fast: fast !== undefined, slow: slow.success }).toEqual({ fast: slow.success && !protoBucket, slow: slow.success });
        if (fast) expect(fast).toEqual(slow.data);
        if (slow.success) accepted++;
        else refused++;
      }),
      { numRuns: 5_000, seed: 12 },
    );
    // Both answers are exercised, so agreement is not agreement on one side only.
    expect(accepted).toBeGreaterThan(250);
    expect(refused).toBeGreaterThan(250);
  });

  it('accepts the batch a client sends and refuses each near miss the spec names', () => {
    const ok = { key: 'cgt_' + 'k'.repeat(32), batchId: 'batch-0001', installId: 'install-0001', platform: 'web', release: 'v1', channel: 'beta', windows: [{ start: '2026-11-29T07:00:00Z', requests: 5, errors: 1, latencyMs: { counts: { '10': 4 } } }] };
    expect(checkReport(ok)).toBe(ok);
    const w = ok.windows[0]!;
    const misses: unknown[] = [
      { ...ok, windows: [{ ...w, errors: 6 }] },
      { ...ok, windows: [{ ...w, latencyMs: { counts: { '91': 1 } } }] },
      { ...ok, windows: [{ ...w, latencyMs: { counts: { '10': 6 } } }] },
      { ...ok, windows: [w, { ...w, start: '2026-11-29T07:00:00.000Z' }] },
      { ...ok, windows: [{ ...w, start: '2026-11-29T07:00:30Z' }] },
      { ...ok, windows: [{ ...w, sessions: 1, crashes: 2 }] },
      { ...ok, windows: [{ ...w, clientErrors: 5 }] },
      { ...ok, windows: Array.from({ length: 11 }, (_, i) => ({ ...w, start: `2026-11-29T07:${String(i).padStart(2, '0')}:00Z` })) },
      { ...ok, release: 'v1/2' },
      { ...ok, surprise: true },
    ];
    for (const miss of misses) {
      expect(TelemetryBody.safeParse(miss).success).toBe(false);
      expect(checkReport(miss)).toBeUndefined();
    }
  });
});
