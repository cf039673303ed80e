import { testFirestore } from '../support/firestore';
import { STORY, startLocalRunner, type RunningLocalRunner } from './local-runner-harness';

const KEY = 'notify-e2e-key-0123456789';

interface StandInReply {
  messages: { text: string; body: { blocks: { type: string }[] } }[];
}

/** The story's rollback, told once to Slack: here the runner's labelled stand-in, through the deployed delivery code. */
describe('notifications in the local story', () => {
  const store = testFirestore('local-notify-e2e');
  let runner: RunningLocalRunner;

  beforeAll(async () => {
    const env: Record<string, string> = { GCLOUD_PROJECT: store.projectId, LOCAL_TICK_MS: '250', LOCAL_API_KEY: KEY, SLACK_WEBHOOK_URL: '' };
    runner = await startLocalRunner([STORY], env);
  }, 60_000);
  afterAll(async () => {
    await runner?.stop();
    await store.close();
  });

  it('sends exactly one Slack message for the story’s rollback, with the numbers behind it', async () => {
    expect(runner.output()).toMatch(/fake Slack \(local stand-in, no SLACK_WEBHOOK_URL set\)/);
    const deadline = Date.now() + 90_000;
    while (!/story finished/.test(runner.output())) {
      if (Date.now() > deadline) throw new Error(`story did not finish:\n${runner.output()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    // Every outbox item is final (delivered, or unrouted: only rollback outcomes go to Slack locally).
    const settled = Date.now() + 20_000;
    for (;;) {
      const items = (await store.db.collection('notification_outbox').get()).docs.map((d) => d.data().status as string);
      if (items.length > 0 && items.every((s) => ['sent', 'unrouted', 'dead', 'held'].includes(s))) break;
      if (Date.now() > settled) throw new Error(`outbox not settled: ${items.join(', ')}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const reply = (await (await fetch(`${runner.baseUrl}/stand-ins/slack`)).json()) as StandInReply;
    expect(reply.messages).toHaveLength(1);
    const [message] = reply.messages;
    expect(message!.text).toMatch(/^\[CRITICAL\] Rollback completed: web v29.1.0 on alpha/);
    expect(message!.text).toMatch(/Error rate \d+(\.\d+)?% \(confidence bound ≥ \d+(\.\d+)?%\) vs baseline \d+(\.\d+)?%, threshold 5%, over 1 window: red/);
    // Block Kit, with the status page's link to this canary in its context block.
    expect(message!.body.blocks[0]).toMatchObject({ type: 'header' });
    expect(JSON.stringify(message!.body)).toContain(`${runner.baseUrl}/status/canaries/web__v29.1.0__alpha`);
    const statuses = (await store.db.collection('notification_outbox').get()).docs.map((d) => ({ kind: d.data().event.kind as string, status: d.data().status as string }));
    expect(statuses.filter((s) => s.status === 'sent')).toEqual([{ kind: 'rollback_completed', status: 'sent' }]);
  }, 150_000);
});
