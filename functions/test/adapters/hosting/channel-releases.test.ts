import { createHostingRollbackStep, promoteHostingRelease } from '../../../src/adapters/hosting/channel-releases';
import { lazyHostingClient } from '../../../src/adapters/hosting/client';
import { FakeHosting } from '../../fakes/hosting-server';
import { fakeGoogleAuth } from '../../app/rollback/harness';
import { sampleCanary } from '../firestore/sample-canary';

const fake = new FakeHosting();
let options: { hosting: ReturnType<typeof lazyHostingClient>; clock: { now: () => number } };
const LIVE = 'sites/acme/channels/live';
const canary = sampleCanary({ release: 'v28R.1', previousRelease: 'v28R.0', target: { hostingSite: 'acme', hostingChannel: 'live' } });
const ctx = { canary, rollbackId: `${canary.id}:1`, version: 'v28R.1', rollbackTo: 'v28R.0', reason: 'red', timestamp: 1 };

beforeAll(async () => {
  await fake.server.start();
  options = { hosting: lazyHostingClient({ auth: fakeGoogleAuth(), rootUrl: `${fake.server.url}/` }), clock: { now: () => 1_000 } };
});
afterAll(() => fake.server.stop());
beforeEach(() => {
  fake.server.requests.length = 0;
  fake.channels.clear();
  fake.seed(LIVE, [{ version: 'sites/acme/versions/a' }, { version: 'sites/acme/versions/b' }]);
});

describe('Hosting channel releases through the googleapis deep import', () => {
  test('releases the previously live version when rolling back to the direct predecessor', async () => {
    expect(await createHostingRollbackStep(options).execute(ctx)).toMatchObject({ status: 'done' });
    expect(fake.current(LIVE)).toBe('sites/acme/versions/a');
    expect(fake.creates()[0].query.get('versionName')).toBe('sites/acme/versions/a');
  });

  test('creates nothing when the channel already serves the target (read before retry, D5)', async () => {
    await createHostingRollbackStep(options).execute(ctx);
    expect(await createHostingRollbackStep(options).execute(ctx)).toMatchObject({ status: 'already_done' });
    expect(fake.creates()).toHaveLength(1);
  });

  test('refuses to guess the version of a release that is not the direct predecessor', async () => {
    await expect(createHostingRollbackStep(options).execute({ ...ctx, rollbackTo: 'v27' })).rejects.toMatchObject({ service: 'hosting', retryable: false });
    expect(fake.creates()).toHaveLength(0);
  });

  test('promotion releases the version the beta channel serves to live', async () => {
    fake.seed('sites/acme/channels/beta', [{ version: 'sites/acme/versions/c' }]);
    const c = sampleCanary({ channel: 'beta', target: { hostingSite: 'acme' } });
    expect(await promoteHostingRelease(options, c, { channel: 'beta', rolloutPercent: 100 }, { channel: 'stable', rolloutPercent: 100 })).toMatchObject({ status: 'done' });
    expect(fake.current(LIVE)).toBe('sites/acme/versions/c');
  });

  test('a 503 from Hosting is retryable, a 403 is not', async () => {
    fake.server.on('POST', /\/releases$/, { status: 403, body: { error: { code: 403, message: 'denied' } } });
    await expect(createHostingRollbackStep(options).execute(ctx)).rejects.toMatchObject({ status: 403, retryable: false });
    fake.server.on('POST', /\/releases$/, { status: 503, body: { error: { code: 503, message: 'busy' } } });
    await expect(createHostingRollbackStep(options).execute(ctx)).rejects.toMatchObject({ status: 503, retryable: true });
  });
});
