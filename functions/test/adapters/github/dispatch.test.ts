import type { Octokit } from '@octokit/rest';
import { createGitHubClient } from '../../../src/adapters/github/client';
import { createDispatchStep, toGitHubPlatformError } from '../../../src/adapters/github/dispatch';
import { FakeGitHub } from '../../fakes/github-releases';
import { sampleCanary } from '../firestore/sample-canary';

const gh = new FakeGitHub();
let client: Promise<Octokit>;
const clock = { now: () => 1_000_000 };
const canary = sampleCanary();
const ctx = { canary, rollbackId: `${canary.id}:1`, version: 'v28R.1', rollbackTo: 'v28R.0', reason: 'Error rate 8% (threshold 5%)', timestamp: 1697040000000 };

beforeAll(async () => {
  await gh.server.start();
  client = createGitHubClient({ token: 't', baseUrl: gh.server.url, retry: { enabled: false }, maxRateLimitWaitMs: 0, throttle: { enabled: false } });
});
afterAll(() => gh.server.stop());

describe('repository_dispatch through octokit', () => {
  test('sends auto-rollback with the source document payload plus the rollback id', async () => {
    await createDispatchStep({ github: () => client, clock }).execute(ctx);
    const [req] = gh.dispatches();
    expect(req.body).toEqual({
      event_type: 'auto-rollback',
      client_payload: { version: 'v28R.1', reason: 'Error rate 8% (threshold 5%)', timestamp: 1697040000000, rollback_id: ctx.rollbackId, rollback_to: 'v28R.0', platform: 'web', channel: 'alpha' },
    });
    expect(Object.keys((req.body as { client_payload: object }).client_payload).length).toBeLessThanOrEqual(10);
  });

  test.each([
    [500, {}, true, undefined],
    [429, { 'retry-after': '12' }, true, 1_012_000],
    [429, {}, true, 1_060_000],
    [403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '2000' }, true, 2_001_000],
    [401, {}, false, undefined],
    [404, {}, false, undefined],
    [422, {}, false, undefined],
  ])('translates HTTP %i into retryable=%s with the allowed retry time', async (status, headers, retryable, retryAt) => {
    gh.server.on('POST', '/repos/acme/app/dispatches', { status, headers: headers as Record<string, string>, body: { message: 'fake' } });
    const err = await createDispatchStep({ github: () => client, clock }).execute(ctx).catch((e: unknown) => e);
    expect(err).toMatchObject({ service: 'github', status, retryable, retryAt });
  });

  test('a network failure without a status is retryable', () => {
    expect(toGitHubPlatformError(new Error('socket hang up'), clock, 'x')).toMatchObject({ retryable: true, status: undefined });
  });
});
