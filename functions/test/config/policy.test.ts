import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPolicy } from '../../src/config/default-policy';
import { loadPolicyFile } from '../../src/config/policy-file';
import { applyPolicyOverride } from '../../src/config/policy-overrides';
import { policySchema } from '../../src/config/policy-schema';

describe('default policy', () => {
  it('carries the source document thresholds for every channel', () => {
    const { alpha, beta, stable } = defaultPolicy.channels;
    expect(alpha).toMatchObject({ trafficPercent: 10, bakeHours: 24, red: { errorRate: 0.05, p95LatencyIncrease: 0.5, crashRate: 0.02 }, successRate: { below: 0.9, action: 'pause' }, next: 'beta' });
    expect(beta).toMatchObject({ trafficPercent: 25, bakeHours: 48, red: { errorRate: 0.02, p95LatencyIncrease: 0.3, crashRate: 0.01 }, successRate: { below: 0.95, action: 'pause' }, mttrMinutes: 30, next: 'stable' });
    expect(stable).toMatchObject({ trafficPercent: 100, red: { errorRate: 0.005, p95LatencyIncrease: 0.2, crashRate: 0.005 }, successRate: { below: 0.99, action: 'pause' }, mttrMinutes: 15, next: null });
  });

  it('carries the evaluation windows, the mobile schedule and the promotion gates of the document', () => {
    expect(defaultPolicy.windows).toMatchObject({ errorRateMinutes: 15, p95LatencyMinutes: 10 });
    expect(defaultPolicy.mobileStagedRollout).toEqual([
      { day: 1, percent: 10 },
      { day: 2, percent: 25 },
      { day: 3, percent: 50 },
      { day: 5, percent: 100 },
    ]);
    expect(defaultPolicy.channels.alpha.exitGates).toMatchObject({ noOpenP0P1Bugs: true, securityScanPassed: true });
    expect(defaultPolicy.channels.beta.exitGates).toMatchObject({ loadTestPassed: true, crossPlatformValidated: true, guardianPassed: true, minUserFeedbackScore: 4 });
  });

  it('is valid against its own schema', () => {
    expect(policySchema.safeParse(defaultPolicy).success).toBe(true);
  });
});

describe('applyPolicyOverride', () => {
  it('deep-merges a partial override and keeps everything else', () => {
    const r = applyPolicyOverride(defaultPolicy, { channels: { beta: { red: { errorRate: 0.03 } } }, evaluation: { pauseAfterNoDataWindows: 9 } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.policy.channels.beta.red).toEqual({ errorRate: 0.03, p95LatencyIncrease: 0.3, crashRate: 0.01, httpErrorRate: 0.1 });
    expect(r.policy.evaluation.pauseAfterNoDataWindows).toBe(9);
    expect(r.policy.channels.alpha).toEqual(defaultPolicy.channels.alpha);
  });

  it.each([
    [{ channels: { beta: { red: { errorRate: 2 } } } }, 'channels.beta.red.errorRate: must be <= 1'],
    [{ channels: { beta: { red: { errorRate: -0.1 } } } }, 'channels.beta.red.errorRate: must be >= 0'],
    [{ channels: { beta: { red: { errorRate: '5%' } } } }, 'channels.beta.red.errorRate: must be a number'],
    [{ channels: { beta: { red: { errorRat: 0.1 } } } }, 'channels.beta.red.errorRat: unknown field'],
    [{ mobileStagedRollout: [{ day: 1, percent: 10 }, { day: 1, percent: 25 }] }, 'mobileStagedRollout[1]: days and percentages must increase'],
    [{ evaluation: { pauseAfterNoDataWindows: 0 } }, 'evaluation.pauseAfterNoDataWindows: must be >= 1'],
    [[1, 2], '(root): must be an object'],
    ['yes', '(root): must be an object'],
  ])('rejects %j naming the bad field', (override, message) => {
    expect(applyPolicyOverride(defaultPolicy, override)).toEqual({ ok: false, error: message });
  });

  it('leaves the last good policy untouched when an override is rejected', () => {
    const good = applyPolicyOverride(defaultPolicy, { channels: { alpha: { red: { errorRate: 0.04 } } } });
    if (!good.ok) throw new Error(good.error);
    const before = JSON.stringify(good.policy);
    const bad = applyPolicyOverride(good.policy, { channels: { alpha: { red: { errorRate: 7 } } } });
    expect(bad.ok).toBe(false);
    expect(JSON.stringify(good.policy)).toBe(before);
    expect(good.policy.channels.alpha.red.errorRate).toBe(0.04);
  });

  it('ignores prototype keys instead of polluting objects', () => {
    const r = applyPolicyOverride(defaultPolicy, JSON.parse('{"__proto__": {"polluted": true}}'));
    expect(r.ok).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('treats no override as the current policy', () => {
    expect(applyPolicyOverride(defaultPolicy, undefined)).toEqual({ ok: true, policy: defaultPolicy });
  });
});

describe('loadPolicyFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'policy-'));

  it('loads the shipped example override', () => {
    const r = loadPolicyFile(join(__dirname, '../../../examples/policy-override.json'));
    expect(r.ok && r.policy.channels.alpha.red.errorRate).toBe(0.03);
  });

  it('reports bad JSON, a missing file and a bad field as one line each', () => {
    writeFileSync(join(dir, 'bad.json'), '{');
    writeFileSync(join(dir, 'field.json'), '{"channels":{"beta":{"red":{"errorRate":2}}}}');
    const results = [loadPolicyFile(join(dir, 'bad.json')), loadPolicyFile(join(dir, 'nope.json')), loadPolicyFile(join(dir, 'field.json'))];
    const errors = results.map((r) => (r.ok ? '' : r.error));
    expect(errors[0]).toMatch(/bad\.json: invalid JSON/);
    expect(errors[1]).toMatch(/nope\.json: cannot read \(ENOENT\)/);
    expect(errors[2]).toMatch(/field\.json: channels\.beta\.red\.errorRate: must be <= 1$/);
    expect(errors.every((e) => !e.includes('\n'))).toBe(true);
  });
});
