import { allGates, decisions, HOUR, play, repeat, side, T0, type Pair } from './scenario-kit';

/**
 * What a bake's pooled evidence must show before a promotion (issue 11, "promotion on the bake's
 * evidence"): each channel's own minimum exposure, in requests and, where crashes are judged, in
 * sessions; and the latency quantile within the channel's limit over the whole bake.
 */
describe("a bake's pooled evidence", () => {
  // 150 requests an hour, none failing: 3,600 in alpha's 24 h, 7,200 in beta's 48 h.
  const quiet: Pair = { canary: side(150, 0), baseline: side(1350, 5) };

  it('does not restart the bake for a brief gap in the canary data; a gap long enough to pause holds the clock as long as the pause lasts', () => {
    const green: Pair = { canary: side(10000, 100), baseline: side(90000, 900) };
    const gap: Pair = { canary: null, baseline: side(90000, 900) };
    const brief = play([...repeat(12, green), gap, gap, ...repeat(26, green)], { windowMs: HOUR, gates: allGates });
    expect(brief[13]!.state.bake).toMatchObject({ since: T0, heldMs: 0 });
    expect(decisions(brief).indexOf('promote')).toBe(23);
    const long = play([...repeat(12, green), ...repeat(6, gap), ...repeat(26, green)], { windowMs: HOUR, gates: allGates });
    // The fifth empty hour pauses; hours 16-19 end paused (two empty, then two of the three clear ones
    // a resume needs), so the 24 h bake ends 4 hours late.
    expect(decisions(long).slice(16, 21)).toEqual(['pause', 'pause', 'pause', 'pause', 'continue']);
    expect(long[20]!.state.bake).toMatchObject({ since: T0, heldMs: 4 * HOUR });
    expect(decisions(long).indexOf('promote')).toBe(27);
  });

  it("holds each channel to its own minimum of canary requests: the same traffic promotes out of alpha and waits on beta", () => {
    const alpha = play(repeat(26, quiet), { windowMs: HOUR, gates: allGates });
    expect(decisions(alpha).indexOf('promote')).toBe(23);
    const beta = play(repeat(50, quiet), { windowMs: HOUR, channel: 'beta', gates: allGates, untilEnd: true });
    expect(decisions(beta)).not.toContain('promote');
    expect(beta[47]!.evaluation.reasons).toEqual(['Bake time met; the evidence still lacks: 7,200 of 10,000 canary requests']);
  });

  it('waits for the minimum of canary sessions where crashes are judged, and not on the web, where they are not', () => {
    const app = (sessions: number): Pair => ({ canary: side(1000, 0, { sessions, crashes: 0 }), baseline: side(9000, 20, { sessions: sessions * 9, crashes: 0 }) });
    const few = play(repeat(26, app(10)), { windowMs: HOUR, platform: 'desktop', gates: allGates, untilEnd: true });
    expect(decisions(few)).not.toContain('promote');
    expect(few[23]!.evaluation.reasons).toEqual(['Bake time met; the evidence still lacks: 240 of 500 canary sessions']);
    expect(decisions(play(repeat(26, app(30)), { windowMs: HOUR, platform: 'desktop', gates: allGates })).indexOf('promote')).toBe(23);
    expect(decisions(play(repeat(26, app(10)), { windowMs: HOUR, platform: 'web', gates: allGates })).indexOf('promote')).toBe(23);
  });

  it("waits while the bake does not show the canary's p95 within the channel's limit over the baseline, and promotes once it does", () => {
    // At 1.5x the baseline's latencies about 5 % of the canary's requests sit above alpha's +50 %
    // limit: not worse than allowed, so no pause, but not shown within it either.
    const atLimit: Pair = { canary: side(3000, 15, { slow: 1.5 }), baseline: side(27000, 135) };
    const waiting = play(repeat(26, atLimit), { windowMs: HOUR, gates: allGates, untilEnd: true });
    expect(decisions(waiting)).not.toContain('promote');
    expect(decisions(waiting)).not.toContain('rollback');
    expect(waiting.at(-1)!.evaluation.reasons).toEqual(['Bake time met; the evidence still lacks: p95 latency not yet shown within +50% of the baseline']);
    const within: Pair = { canary: side(3000, 15, { slow: 1.2 }), baseline: side(27000, 135) };
    expect(decisions(play(repeat(26, within), { windowMs: HOUR, gates: allGates })).indexOf('promote')).toBe(23);
  });
});
