import { defaultPolicy } from '../../src/config/default-policy';
import { mttrWaits, rollingMttr, type MttrFlag, type MttrSample } from '../../src/core/mttr';
import { HOUR, allGates, decisions, play, repeat, side, type Pair } from './scenario-kit';

const green: Pair = { canary: side(10000, 100), baseline: side(90000, 900) };
const stableGreen: Pair = { canary: side(10000, 10), baseline: side(90000, 90) };
const flag = (over: Partial<MttrFlag> = {}): MttrFlag => ({
  canaryId: 'web__v1__beta',
  incidentId: 'web__v1__beta__g1',
  platform: 'web',
  channel: 'beta',
  minutes: 42,
  targetMinutes: 30,
  ...over,
});

describe('MTTR targets hold promotions (core/mttr.ts)', () => {
  it('holds a promotion out of the channel where an incident missed its target, naming the incident', () => {
    const held = play(repeat(50, green), { windowMs: HOUR, channel: 'beta', gates: { ...allGates, userFeedbackScore: 4.5 }, holds: { mttrFlags: [flag()] } });
    expect(decisions(held)).not.toContain('promote');
    expect(held.at(-1)!.evaluation.reasons).toEqual([
      'Promotion waits for: MTTR target missed on incident web__v1__beta__g1 (42 min, target 30 min): a person must clear it',
    ]);
    const free = play(repeat(50, green), { windowMs: HOUR, channel: 'beta', gates: { ...allGates, userFeedbackScore: 4.5 }, holds: { mttrFlags: [] } });
    expect(decisions(free)).toContain('promote');
  });

  it('ignores a flag on another platform or another channel', () => {
    const flags = [flag({ platform: 'desktop' }), flag({ channel: 'stable' })];
    const steps = play(repeat(50, green), { windowMs: HOUR, channel: 'beta', gates: { ...allGates, userFeedbackScore: 4.5 }, holds: { mttrFlags: flags } });
    expect(decisions(steps)).toContain('promote');
  });

  it('holds a mobile stable stage step too, not only the channel change', () => {
    const app: Pair = { canary: side(10000, 10, { sessions: 5000, crashes: 1 }), baseline: side(90000, 90, { sessions: 45000, crashes: 9 }) };
    const holds = { mttrFlags: [flag({ platform: 'mobile', channel: 'stable', targetMinutes: 15 })] };
    const steps = play(repeat(30, app), { windowMs: HOUR, platform: 'mobile', channel: 'stable', gates: allGates, holds });
    expect(decisions(steps)).not.toContain('promote');
    expect(steps.at(-1)!.evaluation.reasons[0]).toMatch(/^Promotion waits for: MTTR target missed/);
  });

  it('completes a stable rollout only when every incident of the rollout met the 15-minute target or was cleared by a person', () => {
    const opts = { windowMs: HOUR, channel: 'stable' as const, gates: { ...allGates, userFeedbackScore: 4.8 } };
    const late = play(repeat(170, stableGreen), { ...opts, holds: { rolloutIncidents: [{ id: 'i1', minutes: 22, met: false, cleared: false }] } });
    expect(decisions(late)).not.toContain('promote');
    expect(late.at(-1)!.evaluation.reasons).toEqual(["Promotion waits for: MTTR < 15 min over this rollout's incidents: i1 took 22 min"]);
    const open = play(repeat(170, stableGreen), { ...opts, holds: { rolloutIncidents: [{ id: 'i2', minutes: null, met: null, cleared: false }] } });
    expect(open.at(-1)!.evaluation.reasons).toEqual(["Promotion waits for: MTTR < 15 min over this rollout's incidents: i2 not recovered yet"]);
    const fine = [
      { id: 'i3', minutes: 9, met: true, cleared: false },
      { id: 'i4', minutes: 40, met: false, cleared: true },
    ];
    const done = play(repeat(170, stableGreen), { ...opts, holds: { rolloutIncidents: fine } });
    expect(done.flatMap((s) => s.effects.map((e) => e.kind))).toContain('complete');
  });

  it('says each reason once when a flagged incident is also one of the rollout\'s', () => {
    const holds = { mttrFlags: [flag({ channel: 'stable', incidentId: 'i1', minutes: 22, targetMinutes: 15 })], rolloutIncidents: [{ id: 'i1', minutes: 22, met: false, cleared: false }] };
    expect(mttrWaits(defaultPolicy, 'web', 'stable', true, holds)).toEqual(['MTTR target missed on incident i1 (22 min, target 15 min): a person must clear it']);
    expect(mttrWaits(defaultPolicy, 'web', 'stable', true, undefined)).toEqual([]);
  });

  it('does not apply the completion rule on a channel without a target (alpha)', () => {
    expect(mttrWaits(defaultPolicy, 'web', 'alpha', true, { rolloutIncidents: [{ id: 'x', minutes: 99, met: null, cleared: false }] })).toEqual([]);
  });
});

describe('rolling MTTR', () => {
  const s = (o: Partial<MttrSample>): MttrSample => ({ platform: 'web', channel: 'stable', decidedAt: 10, minutes: 10, targetMinutes: 15, met: true, ...o });

  it('summarises each platform and channel over the window, against the newest incident\'s target', () => {
    const samples = [
      s({ minutes: 10, met: true }),
      s({ minutes: 30, met: false, decidedAt: 20 }),
      s({ minutes: null, met: false, decidedAt: 25 }),
      s({ channel: 'beta', minutes: 20, targetMinutes: 30, met: true }),
      s({ decidedAt: 1, minutes: 500, met: false }),
    ];
    expect(rollingMttr(samples, 5, 100)).toEqual([
      { platform: 'web', channel: 'beta', targetMinutes: 30, incidents: 1, recovered: 1, meanMinutes: 20, maxMinutes: 20, met: 1, missed: 0, withinTarget: true },
      { platform: 'web', channel: 'stable', targetMinutes: 15, incidents: 3, recovered: 2, meanMinutes: 20, maxMinutes: 30, met: 1, missed: 2, withinTarget: false },
    ]);
  });

  it('has no mean and no verdict when nothing recovered', () => {
    expect(rollingMttr([s({ minutes: null, met: null })], 0, 100)[0]).toMatchObject({ recovered: 0, meanMinutes: null, withinTarget: null });
  });
});
