import fft from 'firebase-functions-test';
import { deliverNotification } from '../../../src/app/notify/deliver';
import { sweepOutbox } from '../../../src/app/notify/sweep';
import { makeOutboxTrigger } from '../../../src/functions/notify-outbox';
import { verifyStandardWebhook } from '../../fakes/notify-receivers';
import { ALL_TO_SLACK, notifyHarness, rollbackCompleted, WEBHOOK_SECRET, type NotifyHarness } from './harness';

const t = fft();
let h: NotifyHarness;
beforeEach(async () => {
  h = await notifyHarness('notify-delivery');
});
afterEach(async () => h.close());
afterAll(() => t.cleanup());

const MIN = 60_000;
const trigger = () => t.wrap(makeOutboxTrigger(async () => h.deps));
async function fire(id: string, eventId: string) {
  const snap = await h.db.doc(`notification_outbox/${id}`).get();
  return trigger()({ data: snap, params: { id }, id: eventId }) as Promise<unknown>;
}

describe('the notification outbox, written with the audit entry', () => {
  it('writes an outbox item of the same id in the same write as an entry that is news, and none for one that is not', async () => {
    const { id, created } = await h.append(rollbackCompleted(), 'rollback_completed:web__2.4.1__alpha:1');
    expect(created).toBe(true);
    const item = await h.outbox.get(id);
    expect(item).toMatchObject({ status: 'pending', attempts: 0, event: { kind: 'rollback_completed', severity: 'critical', canaryId: 'web__2.4.1__alpha' } });
    const quiet = await h.append({ action: 'guardian_pass', meta: {} }, 'guardian-1');
    expect(await h.outbox.get(quiet.id)).toBeNull();
  });

  it('writes neither the entry nor a second item when the same entry is appended again', async () => {
    const first = await h.append(rollbackCompleted(), 'same-key');
    await h.db.doc(`notification_outbox/${first.id}`).update({ status: 'sent' });
    const again = await h.append(rollbackCompleted(), 'same-key');
    expect(again).toEqual({ id: first.id, created: false });
    expect((await h.outbox.get(first.id))?.status).toBe('sent');
    expect((await h.db.collection('notification_outbox').get()).size).toBe(1);
  });
});

describe('delivery through the trigger and the sweeper (fake receivers, fake clock)', () => {
  it('sends exactly one Slack message for one rollback when the trigger is delivered twice at once and once more later', async () => {
    await h.setConfig(ALL_TO_SLACK);
    h.receivers.on('POST', '/slack/T0/B0/token', { status: 200, body: 'ok', delayMs: 100 });
    const { id } = await h.append(rollbackCompleted(), 'rb-1');
    await Promise.all([fire(id, 'evt-1'), fire(id, 'evt-1')]);
    await fire(id, 'evt-1');
    expect(h.slackCalls()).toHaveLength(1);
    const [call] = h.slackCalls();
    expect(call.headers['idempotency-key']).toBe(id);
    expect(call.rawBody).toContain('Error rate 8% (confidence bound ≥ 6.1%) vs baseline 0.4%, threshold 5%, over 15 windows: red');
    expect(call.rawBody).toContain(`https://status.example.com/canaries/web__2.4.1__alpha|Status page`);
    expect((await h.outbox.get(id))?.status).toBe('sent');
  });

  it('retries with exponential backoff, then dead-letters after maxAttempts with the last error, queryable', async () => {
    await h.setConfig({ ...ALL_TO_SLACK, maxAttempts: 3 });
    h.receivers.on('POST', '/slack/T0/B0/token', { status: 503, body: 'unavailable' });
    const { id } = await h.append(rollbackCompleted(), 'rb-2');
    expect(await deliverNotification(h.deps, id, 'trigger', true)).toBe('retry');
    expect((await h.outbox.get(id))?.nextAttemptAt).toBe(h.clock.now() + 1 * MIN);

    h.clock.advance(30_000);
    expect(await sweepOutbox(h.deps, 'sweep-1')).toEqual({});
    h.clock.advance(30_000);
    expect(await sweepOutbox(h.deps, 'sweep-2')).toEqual({ [id]: 'retry' });
    expect((await h.outbox.get(id))?.nextAttemptAt).toBe(h.clock.now() + 2 * MIN);

    h.clock.advance(2 * MIN);
    expect(await sweepOutbox(h.deps, 'sweep-3')).toEqual({ [id]: 'dead' });
    expect(h.slackCalls()).toHaveLength(3);
    const dead = await h.outbox.deadLetters(10);
    expect(dead.map((d) => d.id)).toEqual([id]);
    expect(dead[0].lastError).toBe('gave up after 3 attempts: ops: HTTP 503: unavailable');
    h.clock.advance(60 * MIN);
    expect(await sweepOutbox(h.deps, 'sweep-4')).toEqual({});
  });

  it("waits for the receiver's Retry-After when it is later than the backoff, and delivers once the receiver is back", async () => {
    await h.setConfig(ALL_TO_SLACK);
    let calls = 0;
    h.receivers.on('POST', '/slack/T0/B0/token', () => (++calls === 1 ? { status: 429, headers: { 'retry-after': '300' }, body: 'rate_limited' } : { status: 200, body: 'ok' }));
    const { id } = await h.append(rollbackCompleted(), 'rb-3');
    expect(await deliverNotification(h.deps, id, 'trigger', true)).toBe('retry');
    expect((await h.outbox.get(id))?.nextAttemptAt).toBe(h.clock.now() + 300_000);
    h.clock.advance(5 * MIN);
    expect(await sweepOutbox(h.deps, 'sweep')).toEqual({ [id]: 'sent' });
    expect((await h.outbox.get(id))?.destinations.ops).toMatchObject({ status: 'sent', tries: 2 });
  });

  it('resends only to the destination that failed, and dead-letters at once a message a receiver refuses for good', async () => {
    await h.setConfig({
      destinations: { ops: { kind: 'slack', urlSecret: 'SLACK_WEBHOOK_URL' }, hook: { kind: 'webhook', url: `${h.base}/hook`, signingSecret: 'NOTIFY_WEBHOOK_SECRET' } },
      routes: [{ to: ['ops', 'hook'] }],
    });
    h.receivers.on('POST', '/slack/T0/B0/token', { status: 200, body: 'ok' });
    let hookCalls = 0;
    h.receivers.on('POST', '/hook', () => (++hookCalls === 1 ? { status: 500 } : { status: 410, body: 'endpoint removed' }));
    const { id } = await h.append(rollbackCompleted(), 'rb-4');
    expect(await deliverNotification(h.deps, id, 'trigger', true)).toBe('retry');
    h.clock.advance(MIN);
    expect(await sweepOutbox(h.deps, 'sweep')).toEqual({ [id]: 'dead' });
    expect(h.slackCalls()).toHaveLength(1);
    expect(hookCalls).toBe(2);
    const item = await h.outbox.get(id);
    expect(item?.destinations).toMatchObject({ ops: { status: 'sent' }, hook: { status: 'refused', detail: 'HTTP 410: endpoint removed' } });
  });

  it('delivers a signed webhook that the receiver verifies, with the outbox id as webhook-id on every try', async () => {
    await h.setConfig({ destinations: { hook: { kind: 'webhook', url: `${h.base}/hook`, signingSecret: 'NOTIFY_WEBHOOK_SECRET' } }, routes: [{ to: ['hook'] }] });
    const seen: string[] = [];
    h.receivers.on('POST', '/hook', (req) => {
      seen.push(String(req.headers['webhook-id']));
      const refused = verifyStandardWebhook(req, WEBHOOK_SECRET, Math.floor(h.clock.now() / 1000));
      if (refused) return { status: 401, body: { refused } };
      return seen.length === 1 ? { status: 502 } : { status: 200 };
    });
    const { id } = await h.append(rollbackCompleted(), 'rb-5');
    await deliverNotification(h.deps, id, 'trigger', true);
    h.clock.advance(MIN);
    expect(await sweepOutbox(h.deps, 'sweep')).toEqual({ [id]: 'sent' });
    expect(seen).toEqual([id, id]);
  });

  it('picks up an item whose trigger event was lost, once the trigger had its chance', async () => {
    await h.setConfig(ALL_TO_SLACK);
    h.receivers.on('POST', '/slack/T0/B0/token', { status: 200, body: 'ok' });
    const { id } = await h.append(rollbackCompleted(), 'rb-6');
    expect(await sweepOutbox(h.deps, 'sweep-early')).toEqual({});
    h.clock.advance(2 * MIN);
    expect(await sweepOutbox(h.deps, 'sweep-late')).toEqual({ [id]: 'sent' });
    expect(h.slackCalls()).toHaveLength(1);
  });
});

describe('config/notifications in force', () => {
  it('keeps the last good config when the document turns bad, and reports why', async () => {
    await h.setConfig(ALL_TO_SLACK);
    h.receivers.on('POST', '/slack/T0/B0/token', { status: 200, body: 'ok' });
    const a = await h.append(rollbackCompleted(), 'cfg-1');
    expect(await deliverNotification(h.deps, a.id, 't', true)).toBe('sent');
    await h.setConfig({ destinations: { ops: { kind: 'slack', url: 'https://hooks.slack.com/services/in-firestore' } }, routes: [{ to: ['nobody'] }] });
    const b = await h.append(rollbackCompleted('web__2.4.2__alpha'), 'cfg-2');
    expect(await deliverNotification(h.deps, b.id, 't', true)).toBe('sent');
    expect(h.slackCalls()).toHaveLength(2);
    expect(h.warnings).toContain('ignoring an invalid notification config; keeping the last good one');
  });

  it('with no good config yet, keeps the message for a retry instead of dropping it, with the fields at fault', async () => {
    await h.setConfig({ destinations: { ops: { kind: 'slack', urlSecret: 'NOT_DECLARED' } }, routes: [{ to: ['ops'] }] });
    const { id } = await h.append(rollbackCompleted(), 'cfg-3');
    expect(await deliverNotification(h.deps, id, 't', true)).toBe('retry');
    expect((await h.outbox.get(id))?.lastError).toMatch(/^config\/notifications is invalid: destinations\.ops\.urlSecret: must name a secret declared in params\.ts/);
  });

  it('ends an event no route matches as unrouted, and sends nothing', async () => {
    await h.setConfig({ ...ALL_TO_SLACK, routes: [{ to: ['ops'], platforms: ['mobile'] }] });
    const { id } = await h.append(rollbackCompleted(), 'cfg-4');
    expect(await deliverNotification(h.deps, id, 't', true)).toBe('unrouted');
    expect(h.slackCalls()).toHaveLength(0);
  });

  it('in dry run records every routed destination as delivered by the no-op notifier and sends nothing', async () => {
    await h.setConfig({ ...ALL_TO_SLACK, dryRun: true });
    const { id } = await h.append(rollbackCompleted(), 'cfg-5');
    expect(await deliverNotification(h.deps, id, 't', true)).toBe('sent');
    expect(h.slackCalls()).toHaveLength(0);
    expect((await h.outbox.get(id))?.destinations.ops).toMatchObject({ status: 'sent', detail: 'not sent (no-op notifier)' });
  });
});
