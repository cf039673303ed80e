import { call, KEYS, startTestApi, type TestApi } from './harness';

let api: TestApi;
beforeEach(async () => {
  api = await startTestApi();
});
afterEach(async () => {
  await api.close();
});

const post = (body: unknown) => call(api.url, 'POST', '/canaries', { token: KEYS.ci, body });
const desktop = (channel: string, extra: Record<string, unknown> = {}) => ({ platform: 'desktop', release: 'v3.0.0', previousRelease: 'v2.9.0', channel, ...extra });

describe('always start with alpha', () => {
  it('refuses a release straight on stable with 409 naming the channel it must pass first, and stores nothing', async () => {
    const reply = await post(desktop('stable'));
    expect(reply.status).toBe(409);
    expect(reply.json).toMatchObject({ error: 'channel_order', requires: 'beta', evidence: [] });
    expect(String(reply.json.detail)).toContain('never registered on beta');
    expect(api.canaries.docs.size).toBe(0);
    expect(api.audit.entries).toEqual([]);
  });

  it('refuses beta while the alpha canary is still on alpha, and accepts it once the rollout moved beyond alpha', async () => {
    expect((await post(desktop('alpha'))).status).toBe(201);
    const early = await post(desktop('beta'));
    expect(early.status).toBe(409);
    expect(early.json).toMatchObject({ requires: 'alpha', evidence: [{ id: 'desktop__v3.0.0__alpha', status: 'running', at: 'alpha' }] });
    // What the evaluator writes when alpha's bake and gates are met: the rollout moves on in the same document.
    api.canaries.docs.get('desktop__v3.0.0__alpha')!.rollout.channel = 'beta';
    const later = await post(desktop('beta'));
    expect(later.status).toBe(201);
    expect(later.json.channelOrder).toBe('passed');
    const entry = api.audit.entries.find((e) => e.action === 'canary_registered' && e.meta.channel === 'beta');
    expect(entry?.meta).toMatchObject({ channel_order: 'passed', passed_by: 'desktop__v3.0.0__alpha' });
  });

  it('checks the same platform only: a web canary on alpha does not let the desktop build into beta', async () => {
    await post({ ...desktop('alpha'), platform: 'web' });
    api.canaries.docs.get('web__v3.0.0__alpha')!.rollout.channel = 'stable';
    expect((await post(desktop('beta'))).status).toBe(409);
  });

  it('refuses a release that was rolled back on an earlier channel even though it had moved on', async () => {
    await post(desktop('alpha'));
    const alpha = api.canaries.docs.get('desktop__v3.0.0__alpha')!;
    alpha.rollout.channel = 'beta';
    alpha.status = 'rolled_back';
    const reply = await post(desktop('stable'));
    expect(reply.status).toBe(409);
    expect(String(reply.json.detail)).toContain('was rolled back');
  });

  it('lets an explicit skip with a reason through and audits who skipped and why', async () => {
    const reply = await post(desktop('stable', { skipChannelOrder: { reason: 'security hotfix, INC-42' } }));
    expect(reply.status).toBe(201);
    expect(reply.json.channelOrder).toBe('skipped');
    const skipped = api.audit.entries.find((e) => e.action === 'channel_order_skipped');
    expect(skipped).toMatchObject({ actorUid: 'ci', targetId: 'v3.0.0', meta: { channel: 'stable', requires: 'beta', reason: 'security hotfix, INC-42' } });
    expect(api.audit.entries.find((e) => e.action === 'canary_registered')?.meta.channel_order).toBe('skipped');
  });

  it('answers a skip without a usable reason with 400 naming the field', async () => {
    for (const skip of [{}, { reason: '' }, { reason: 'ok\u202e' }, true]) {
      const reply = await post(desktop('stable', { skipChannelOrder: skip }));
      expect(reply.status).toBe(400);
      expect((reply.json.fields as { field: string }[])[0]!.field).toMatch(/^skipChannelOrder/);
    }
    expect(api.canaries.docs.size).toBe(0);
  });

  it('answers a repeat registration of an existing canary with 200 without checking the order again', async () => {
    await post(desktop('stable', { skipChannelOrder: { reason: 'migration of v3 from the old pipeline' } }));
    const repeat = await post(desktop('stable'));
    expect(repeat.status).toBe(200);
    expect(repeat.json).toMatchObject({ created: false, channelOrder: 'not_checked' });
  });
});
