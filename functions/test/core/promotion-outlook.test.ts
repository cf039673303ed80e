import { defaultPolicy } from '../../src/config/default-policy';
import { promotionOutlook } from '../../src/core/promotion-outlook';
import { sampleCanary } from '../adapters/firestore/sample-canary';

const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
const HOUR = 3_600_000;

describe('promotion outlook (what the status page says a canary waits for)', () => {
  it('names the next mobile stage and the day it can come, with the bake time left', () => {
    const c = sampleCanary({ platform: 'mobile', channel: 'stable', rollout: { ...sampleCanary().rollout, channel: 'stable', stageIndex: 0, rolloutPercent: 10, stageStartedAt: T0 } });
    const o = promotionOutlook(defaultPolicy, c, T0 + 2 * HOUR);
    expect(o).toMatchObject({ kind: 'promote', next: { channel: 'stable', rolloutPercent: 25 }, earliestAt: T0 + 24 * HOUR });
    expect(o.waitingFor[0]).toBe('22 h of bake time');
  });

  it('counts paused time out of the bake and says the canary must resume first', () => {
    const base = sampleCanary();
    const c = sampleCanary({ status: 'paused', pauseReason: 'Success rate 88% (threshold 90%)', rollout: { ...base.rollout, paused: true, bake: { since: T0, heldMs: HOUR, pooled: {}, evidence: {} } } });
    const o = promotionOutlook(defaultPolicy, c, T0 + 2 * HOUR);
    expect(o.waitingFor.slice(0, 2)).toEqual(['resume (paused: Success rate 88% (threshold 90%))', '23 h of bake time']);
    expect(o.earliestAt).toBe(T0 + 25 * HOUR);
  });

  it('promises nothing for a rolled-back, frozen or completed canary', () => {
    expect(promotionOutlook(defaultPolicy, sampleCanary({ status: 'rolled_back' }), T0)).toEqual({ next: null, kind: 'none', earliestAt: null, waitingFor: ['no promotion while rolled back'] });
    expect(promotionOutlook(defaultPolicy, sampleCanary({ rollout: { ...sampleCanary().rollout, frozen: true } }), T0).kind).toBe('none');
    expect(promotionOutlook(defaultPolicy, sampleCanary({ rollout: { ...sampleCanary().rollout, completed: true } }), T0).waitingFor).toEqual(['rollout complete']);
  });

  it('ends at completion on the last channel, waiting for its exit gates', () => {
    const c = sampleCanary({ channel: 'stable', rollout: { ...sampleCanary().rollout, channel: 'stable', rolloutPercent: 100 } });
    const o = promotionOutlook(defaultPolicy, c, T0);
    expect(o.kind).toBe('complete');
    expect(o.next).toBeNull();
    expect(o.waitingFor).toContain('user feedback > 4.5/5');
  });
});
