import { updateGates } from '../../../src/app/canaries/gates';
import { registerCanary } from '../../../src/app/canaries/register';
import { defaultPolicy } from '../../../src/config/default-policy';
import { initialRolloutState } from '../../../src/core/tick';
import type { GitHubFacts } from '../../../src/ports';
import { MemoryAuditLog, MemoryCanaryStore } from '../../fakes/memory-store';

const clock = { now: () => 1_700_000_000_000 };
const initialRollout = (p: 'web' | 'desktop' | 'mobile', c: 'alpha' | 'beta' | 'stable', now: number) => initialRolloutState(defaultPolicy, p, c, now);

function setup() {
  const audit = new MemoryAuditLog();
  const canaries = new MemoryCanaryStore(undefined, audit);
  return { canaries, audit, deps: { canaries, audit, clock, initialRollout } };
}

describe('registering a canary', () => {
  it('creates the canary running at the channel’s first stage and audits it once however often it is registered', async () => {
    const { deps, canaries, audit } = setup();
    const input = { platform: 'web' as const, release: 'v29.1.0', previousRelease: 'v29.0.0', channel: 'alpha' as const };
    const first = await registerCanary(deps, input, 'ci');
    const again = await registerCanary(deps, { ...input, previousRelease: 'v1.0.0' }, 'someone-else');
    expect(first).toMatchObject({ status: 'registered', created: true, channelOrder: 'first_channel' });
    expect(again).toMatchObject({ status: 'registered', created: false });
    const stored = canaries.docs.get('web__v29.1.0__alpha')!;
    expect(stored).toMatchObject({ status: 'running', previousRelease: 'v29.0.0', createdBy: 'ci', dryRun: false, gates: {}, createdAt: clock.now() });
    expect(stored.rollout).toMatchObject({ channel: 'alpha', stageIndex: 0, rolloutPercent: 10, stageStartedAt: clock.now(), frozen: false });
    expect(audit.entries.map((e) => e.action)).toEqual(['canary_registered']);
  });
});

describe('posting canary gates', () => {
  const github = (count: (labels: string[]) => Promise<number>): GitHubFacts => ({ countOpenIssues: (_repo, labels) => count(labels) }) as GitHubFacts;

  it('counts bugs per label together with the release label, in the canary’s repository', async () => {
    const { deps, canaries } = setup();
    await registerCanary(deps, { platform: 'desktop', release: 'v2.0.0', channel: 'beta', target: { repository: 'acme/desktop' }, skipChannelOrder: { reason: 'gates test' } }, 'ci');
    const asked: string[][] = [];
    const outcome = await updateGates(
      { ...deps, github: github(async (labels) => (asked.push(labels), labels[0] === 'P0' ? 1 : 2)), bugLabels: ['P0', 'P1'] },
      'desktop__v2.0.0__beta',
      { crossPlatformValidated: true },
      'ops',
      'k1',
    );
    expect(outcome).toMatchObject({ status: 'updated', bugs: { count: 3 } });
    expect(asked).toEqual([
      ['P0', 'release:v2.0.0'],
      ['P1', 'release:v2.0.0'],
    ]);
    expect(canaries.docs.get('desktop__v2.0.0__beta')!.gates).toEqual({ crossPlatformValidated: true, openP0P1Bugs: 3 });
  });

  it('refuses gates for a finished canary and reports a missing one', async () => {
    const { deps, canaries } = setup();
    await registerCanary(deps, { platform: 'web', release: 'v1.0.0', channel: 'stable', skipChannelOrder: { reason: 'gates test' } }, 'ci');
    canaries.docs.get('web__v1.0.0__stable')!.status = 'rolled_back';
    const base = { ...deps, bugLabels: ['P0'] };
    await expect(updateGates(base, 'web__v1.0.0__stable', { loadTestPassed: true }, 'ops', 'k')).resolves.toEqual({ status: 'conflict', reason: 'canary is rolled_back' });
    await expect(updateGates(base, 'web__v9.0.0__stable', { loadTestPassed: true }, 'ops', 'k')).resolves.toEqual({ status: 'not_found' });
  });
});
