import { createGitHubClient } from '../../../src/adapters/github/client';
import { createGitHubGuardianFacts } from '../../../src/adapters/github/guardian-facts';
import { createTtlCache } from '../../../src/adapters/github/ttl-cache';
import { FakeHttpServer } from '../../fakes/http-fake';
import { installGitHubGuardianRoutes, passingScenario } from '../../fakes/github-guardian';

describe('the release-diff cache', () => {
  it('shares one load between concurrent callers, reloads after the TTL and forgets a failure at once', async () => {
    let t = 0;
    let loads = 0;
    const cached = createTtlCache(1000, 10, () => t);
    const load = () => Promise.resolve(++loads);
    const [a, b] = await Promise.all([cached('k', load), cached('k', load)]);
    expect([a, b, loads]).toEqual([1, 1, 1]);
    t = 999;
    expect(await cached('k', load)).toBe(1);
    t = 1000;
    expect(await cached('k', load)).toBe(2);
    await expect(cached('bad', () => Promise.reject(new Error('502')))).rejects.toThrow('502');
    expect(await cached('bad', load)).toBe(3);
  });

  it('reads compare, the merged PRs and their files once for two gates of the same release, and reviews and alerts for each', async () => {
    const fake = installGitHubGuardianRoutes(new FakeHttpServer(), passingScenario());
    await fake.start();
    try {
      const facts = createGitHubGuardianFacts(() => createGitHubClient({ token: 't', baseUrl: fake.url, retry: { enabled: false } }));
      const repo = { owner: 'acme', name: 'app' };
      const range = { base: 'v29.0.0', head: 'v29.1.0', release: 'v29.1.0' };
      await Promise.all([facts.releaseDiff(repo, range), facts.releaseDiff(repo, range), facts.dependabotAlerts(repo, 'high'), facts.dependabotAlerts(repo, 'high')]);
      expect(fake.calls('GET', /\/compare\//)).toHaveLength(1);
      expect(fake.calls('GET', /\/pulls$/)).toHaveLength(1);
      expect(fake.calls('GET', /\/pulls\/\d+\/files$/)).toHaveLength(2);
      // Reviews can change after a merge and alerts at any time: never shared, even between concurrent gates.
      expect(fake.calls('GET', /\/pulls\/\d+\/reviews$/)).toHaveLength(4);
      expect(fake.calls('GET', /\/dependabot\/alerts$/)).toHaveLength(2);
      await facts.releaseDiff(repo, range);
      await facts.checkRuns(repo, 'v29.1.0', 'benchmarks');
      await facts.checkRuns(repo, 'v29.1.0', 'benchmarks');
      expect(fake.calls('GET', /\/compare\//)).toHaveLength(1);
      expect(fake.calls('GET', /\/pulls\/\d+\/reviews$/)).toHaveLength(6);
      expect(fake.calls('GET', /\/check-runs$/)).toHaveLength(2);
    } finally {
      await fake.stop();
    }
  });
});
