import { createPlatformActuators } from '../../../src/adapters/platform-registry';
import type { Canary } from '../../../src/core/canary';
import { sampleCanary } from '../../adapters/firestore/sample-canary';
import { MemoryCanaryStore } from '../../fakes/memory-store';

const github = { client: () => Promise.reject(new Error('not called')) };
const auth = {};
const cohorts = { canaries: new MemoryCanaryStore() };

describe('platform actuator registry', () => {
  test('chooses dispatch plus the platform step for each platform by default, web with the cohort share first', () => {
    const registry = createPlatformActuators({ github, play: { auth }, hosting: { auth }, cohorts });
    expect(registry.rollbackSteps(sampleCanary({ platform: 'web' })).map((s) => s.name)).toEqual(['cohort_share', 'dispatch', 'hosting_release']);
    expect(registry.rollbackSteps(sampleCanary({ platform: 'web' }))[0]!.first).toBe(true);
    expect(registry.rollbackSteps(sampleCanary({ platform: 'desktop' })).map((s) => s.name)).toEqual(['dispatch', 'github_release']);
    expect(registry.rollbackSteps(sampleCanary({ platform: 'mobile' })).map((s) => s.name)).toEqual(['dispatch', 'play_halt']);
  });

  test('a disabled step is a do-nothing step that says so', async () => {
    const registry = createPlatformActuators({ github, cohorts, disabled: ['hosting_release', 'play_halt'] });
    const [, , hosting] = registry.rollbackSteps(sampleCanary({ platform: 'web' }));
    const canary = sampleCanary();
    const outcome = await hosting.execute({ canary, rollbackId: 'x', version: 'v2', rollbackTo: 'v1', reason: 'r', timestamp: 0 });
    expect(outcome).toEqual({ status: 'skipped', detail: expect.stringContaining('hosting_release disabled by configuration') });
  });

  test('an enabled step without its adapter is an error at construction, not a silent no-op', () => {
    expect(() => createPlatformActuators({ github, hosting: { auth }, cohorts })).toThrow(/Google Play is not configured/);
    expect(() => createPlatformActuators({ github, hosting: { auth }, play: { auth } })).toThrow(/cohort shares \(canary store\) is not configured/);
  });

  test('an unknown platform is an error', () => {
    const registry = createPlatformActuators({ github, play: { auth }, hosting: { auth }, cohorts });
    expect(() => registry.rollbackSteps({ ...sampleCanary(), platform: 'tv' } as unknown as Canary)).toThrow(/unknown platform tv/);
  });

  test('per-platform configuration chooses which steps run', () => {
    const registry = createPlatformActuators({ github, steps: { web: ['dispatch'], desktop: ['github_release'], mobile: [] } });
    expect(registry.rollbackSteps(sampleCanary({ platform: 'desktop' })).map((s) => s.name)).toEqual(['github_release']);
  });
});
