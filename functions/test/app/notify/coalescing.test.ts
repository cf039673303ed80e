import { deliverNotification } from '../../../src/app/notify/deliver';
import { sweepOutbox } from '../../../src/app/notify/sweep';
import { ALL_TO_SLACK, notifyHarness, rollbackCompleted, T0, type NotifyHarness } from './harness';

let h: NotifyHarness;
beforeEach(async () => {
  h = await notifyHarness('notify-coalesce');
  await h.setConfig({ ...ALL_TO_SLACK, coalesceMinutes: 30 });
  h.receivers.on('POST', '/slack/T0/B0/token', { status: 200, body: 'ok' });
});
afterEach(async () => h.close());

const MIN = 60_000;
const flap = (canaryId: string, action: 'canary_pause' | 'canary_resume', i: number) =>
  h.append(
    {
      action,
      meta: {
        canaryId,
        platform: 'web',
        channel: 'alpha',
        reason: action === 'canary_pause' ? `Success rate 93% (threshold 95%), tick ${i}` : 'verdict green again',
        explanation: [{ metric: 'success_rate', status: action === 'canary_pause' ? 'yellow' : 'green', canary: 0.93, bound: 0.945, baseline: 0.99, threshold: 0.95, windows: 4 }],
      },
    },
    `${action}:${canaryId}:${i}`,
  );

describe('coalescing a flapping canary', () => {
  it('sends the first pause at once and folds the rest of the half hour into one digest sent when the bucket ends', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { id } = await flap('web__2.4.1__alpha', i % 2 === 0 ? 'canary_pause' : 'canary_resume', i);
      ids.push(id);
      expect(await deliverNotification(h.deps, id, `trigger-${i}`, true)).toBe(i === 0 ? 'sent' : 'held');
      h.clock.advance(4 * MIN);
    }
    expect(h.slackCalls()).toHaveLength(1);

    expect(await sweepOutbox(h.deps, 'sweep-before-end')).toEqual({});
    h.clock.t = T0 + 30 * MIN;
    const digestId = (await h.outbox.get(ids[1]))!.digestId!;
    expect(await sweepOutbox(h.deps, 'sweep-at-end')).toEqual({ [digestId]: 'sent' });
    expect(h.slackCalls()).toHaveLength(2);
    const digest = h.slackCalls()[1].rawBody;
    expect(digest).toContain('Canary paused and resumed repeatedly: web 2.4.1 on alpha');
    expect(digest).toContain('2 pauses and 3 resumes between 08:04 and 08:20 UTC');
    expect(digest).toContain('now running again');
    expect(digest).toContain('Success rate 93% (confidence bound ≤ 94.5%) vs baseline 99%, threshold 95%, over 4 windows: green');
    for (const id of ids.slice(1)) expect(await h.outbox.get(id)).toMatchObject({ status: 'held', digestId });

    expect(await sweepOutbox(h.deps, 'sweep-again')).toEqual({});
    expect(h.slackCalls()).toHaveLength(2);
  });

  it('does not hold another canary, a rollback of the same canary, or the next bucket', async () => {
    const a = await flap('web__2.4.1__alpha', 'canary_pause', 0);
    expect(await deliverNotification(h.deps, a.id, 't', true)).toBe('sent');
    const b = await flap('web__2.5.0__alpha', 'canary_pause', 0);
    expect(await deliverNotification(h.deps, b.id, 't', true)).toBe('sent');
    const rb = await h.append(rollbackCompleted('web__2.4.1__alpha'), 'rb');
    expect(await deliverNotification(h.deps, rb.id, 't', true)).toBe('sent');
    h.clock.t = T0 + 31 * MIN;
    const c = await flap('web__2.4.1__alpha', 'canary_resume', 1);
    expect(await deliverNotification(h.deps, c.id, 't', true)).toBe('sent');
    expect(h.slackCalls()).toHaveLength(4);
  });

  it('sends every pause and resume when coalescing is off', async () => {
    await h.setConfig({ ...ALL_TO_SLACK, coalesceMinutes: 0 });
    for (let i = 0; i < 3; i++) {
      const { id } = await flap('web__2.4.1__alpha', i % 2 === 0 ? 'canary_pause' : 'canary_resume', i);
      expect(await deliverNotification(h.deps, id, 't', true)).toBe('sent');
    }
    expect(h.slackCalls()).toHaveLength(3);
  });
});
