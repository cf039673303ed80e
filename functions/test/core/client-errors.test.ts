import { cleanSide } from '../../src/core/sanitize';
import { decisions, play, repeat, side, type Pair } from './scenario-kit';

// 1% 5xx throughout; the canary's 4xx climb from 2% to 15% at window 10.
const before: Pair = { canary: side(2000, 20, { clientErrors: 40 }), baseline: side(18000, 180, { clientErrors: 360 }) };
const after: Pair = { canary: side(2000, 20, { clientErrors: 300 }), baseline: side(18000, 180, { clientErrors: 360 }) };
const strip = (p: Pair): Pair => ({ canary: side(p.canary!.requests, p.canary!.errors), baseline: side(p.baseline!.requests, p.baseline!.errors) });

describe('the web 4xx/5xx rate (errors + clientErrors) / requests against 10%', () => {
  it('rolls a web canary back when its 4xx climb past 10% while its 5xx stay at 1%, naming the 4xx/5xx rate', () => {
    const steps = play([...repeat(10, before), ...repeat(10, after)]);
    expect(decisions(steps)).toContain('rollback');
    const last = steps.at(-1)!;
    expect(last.evaluation.reasons.join(' ')).toMatch(/^4xx\/5xx rate 16(\.\d+)?% \(threshold 10%\)/);
    expect(last.evaluation.metrics.http_error_rate).toMatchObject({ threshold: 0.1, status: 'red' });
    expect(last.evaluation.metrics.error_rate.status).toBe('green');
  });

  it('changes the decision: the same traffic without 4xx counted is never rolled back', () => {
    const steps = play([...repeat(10, before), ...repeat(10, after)].map(strip));
    expect(decisions(steps)).not.toContain('rollback');
  });

  it('does not blame the release when the baseline answers as many 4xx (a client or crawler wave hitting both)', () => {
    const wave: Pair = { canary: side(2000, 20, { clientErrors: 300 }), baseline: side(18000, 180, { clientErrors: 2700 }) };
    const steps = play([...repeat(10, before), ...repeat(15, wave)]);
    expect(decisions(steps)).not.toContain('rollback');
  });

  it('needs statistical evidence, not a point check: 3 of 20 requests answered 4xx is not a rollback', () => {
    const thin: Pair = { canary: side(20, 0, { clientErrors: 3 }), baseline: side(180, 0, { clientErrors: 4 }) };
    expect(decisions(play(repeat(5, thin)))).not.toContain('rollback');
  });

  it('shows but does not judge the 4xx/5xx rate on desktop, where failed calls are errors', () => {
    const app: Pair = {
      canary: side(2000, 20, { clientErrors: 600, sessions: 500, crashes: 0 }),
      baseline: side(18000, 180, { clientErrors: 360, sessions: 4500, crashes: 0 }),
    };
    const steps = play(repeat(20, app), { platform: 'desktop' });
    expect(decisions(steps)).not.toContain('rollback');
    expect(steps.at(-1)!.evaluation.metrics.http_error_rate.status).toBe('inconclusive');
  });

  it('treats an impossible 4xx count (more than requests - errors, negative, fractional) as no data for that side', () => {
    expect(cleanSide({ requests: 10, errors: 2, clientErrors: 9 })).toBeNull();
    expect(cleanSide({ requests: 10, errors: 2, clientErrors: -1 })).toBeNull();
    expect(cleanSide({ requests: 10, errors: 2, clientErrors: 1.5 })).toBeNull();
    expect(cleanSide({ requests: 10, errors: 2, clientErrors: 8 })).toEqual({ requests: 10, errors: 2, clientErrors: 8 });
  });
});
