import { createGitHubClient } from '../../../src/adapters/github/client';
import { FakeHttpServer } from '../../fakes/http-fake';

/** Octokit's request log: a failed call must not reach console.error (Cloud Logging's ERROR severity). */
describe("the GitHub client's request log", () => {
  let fake: FakeHttpServer;
  beforeEach(async () => {
    fake = new FakeHttpServer();
    await fake.start();
    fake.on('GET', '/repos/acme/app/code-scanning/alerts', { status: 404, body: JSON.stringify({ message: 'no analysis found' }) });
  });
  afterEach(() => fake.stop());

  const options = () => ({ token: 'log-token', baseUrl: fake.url, retry: { enabled: false }, maxRateLimitWaitMs: 0, throttle: { enabled: false } });

  it('sends the line of an expected 404 to the request log, not to console.error', async () => {
    const lines: string[] = [];
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const gh = await createGitHubClient({ ...options(), requestLog: (m) => lines.push(m) });
      await expect(gh.codeScanning.listAlertsForRepo({ owner: 'acme', repo: 'app' })).rejects.toMatchObject({ status: 404 });
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
    expect(lines).toEqual([expect.stringMatching(/^GET \/repos\/acme\/app\/code-scanning\/alerts - 404 /)]);
    expect(lines.join('\n')).not.toContain('log-token');
  });

  it('by default writes nothing to console.error for a failed call either', async () => {
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const gh = await createGitHubClient(options());
      await expect(gh.codeScanning.listAlertsForRepo({ owner: 'acme', repo: 'app' })).rejects.toMatchObject({ status: 404 });
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
  });
});
