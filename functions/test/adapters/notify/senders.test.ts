import { randomBytes } from 'node:crypto';
import { createMailNotifier } from '../../../src/adapters/firestore/mail-notifier';
import { createGoogleChatNotifier } from '../../../src/adapters/notify/google-chat';
import { createNoopNotifier } from '../../../src/adapters/notify/noop';
import { createSlackNotifier } from '../../../src/adapters/notify/slack';
import { createWebhookNotifier, webhookKey } from '../../../src/adapters/notify/webhook';
import { FakeHttpServer } from '../../fakes/http-fake';
import { verifyStandardWebhook } from '../../fakes/notify-receivers';
import { testFirestore } from '../../support/firestore';
import { sampleEvent } from './sample-event';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

describe('notification senders over real HTTP', () => {
  const fake = new FakeHttpServer();
  let base = '';
  beforeAll(async () => {
    base = await fake.start();
  });
  afterAll(() => fake.stop());
  beforeEach(() => fake.requests.splice(0));

  it('posts a Slack Block Kit message that carries the metric, its bound, the baseline, the threshold, the windows and the links', async () => {
    fake.on('POST', '/services/T0/B0/secret-token', { status: 200, body: 'ok' });
    const slack = createSlackNotifier('ops', () => `${base}/services/T0/B0/secret-token`);
    const result = await slack.post(sampleEvent(), 'outbox-1');
    expect(result).toEqual({ ok: true, detail: 'HTTP 200' });
    const [req] = fake.calls('POST', '/services/T0/B0/secret-token');
    expect(req.headers['idempotency-key']).toBe('outbox-1');
    const body = req.body as { text: string; blocks: { type: string; text?: { text: string }; elements?: { text: string }[] }[] };
    expect(body.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Rollback completed: web 2.4.1 on alpha' } });
    const all = JSON.stringify(body.blocks);
    expect(all).toContain('Error rate 8% (confidence bound ≥ 6.1%) vs baseline 0.4%, threshold 5%, over 15 windows: red');
    expect(all).toContain('<https://status.example.com/canaries/web__2.4.1__alpha|Status page>');
    expect(all).toContain('<https://github.com/acme/app/releases/tag/2.4.1|Release>');
    expect(body.text).toContain('Rollback completed');
  });

  it('escapes Slack control characters that arrive in audit text, so a reason cannot forge a link or mention', async () => {
    fake.on('POST', '/slack', { status: 200, body: 'ok' });
    const slack = createSlackNotifier('ops', () => `${base}/slack`);
    await slack.post(sampleEvent({ reason: 'bad <!channel> <https://evil.example|click> & more' }), 'outbox-2');
    const raw = fake.calls('POST', '/slack')[0].rawBody;
    expect(raw).not.toContain('<!channel>');
    expect(raw).not.toContain('<https://evil.example');
    expect(raw).toContain('&lt;!channel&gt;');
  });

  it('posts a Google Chat text message with the numbers and the links', async () => {
    fake.on('POST', '/v1/spaces/AAA/messages', { status: 200, body: { name: 'spaces/AAA/messages/1' } });
    const chat = createGoogleChatNotifier('chat', () => `${base}/v1/spaces/AAA/messages?key=k&token=t`);
    expect((await chat.post(sampleEvent(), 'outbox-3')).ok).toBe(true);
    const [req] = fake.calls('POST', '/v1/spaces/AAA/messages');
    expect(req.query.get('token')).toBe('t');
    const text = (req.body as { text: string }).text;
    expect(text).toContain('*Rollback completed: web 2.4.1 on alpha* (critical)');
    expect(text).toContain('Error rate 8% (confidence bound ≥ 6.1%) vs baseline 0.4%, threshold 5%, over 15 windows: red');
    expect(text).toContain('<https://status.example.com/canaries/web__2.4.1__alpha|Status page>');
  });

  it('signs a generic webhook per Standard Webhooks, which a receiver verifies with the whsec secret', async () => {
    const nowSeconds = 1_800_000_000;
    fake.on('POST', '/hook', (req) => {
      const refused = verifyStandardWebhook(req, SECRET, nowSeconds);
      return refused ? { status: 401, body: { refused } } : { status: 204 };
    });
    const hook = createWebhookNotifier('hook', `${base}/hook`, () => SECRET, { nowSeconds: () => nowSeconds });
    expect(await hook.post(sampleEvent(), 'outbox-4')).toEqual({ ok: true, detail: 'HTTP 204' });
    const [req] = fake.calls('POST', '/hook');
    expect(req.headers['webhook-id']).toBe('outbox-4');
    expect(req.headers['webhook-timestamp']).toBe(String(nowSeconds));
    expect(req.body).toMatchObject({ type: 'canary.rollback_completed', timestamp: '2026-11-29T08:00:00.000Z', data: { id: 'a1b2c3d4e5f6', release: '2.4.1' } });
  });

  it('is refused by the receiver when signed with another secret, and does not retry that', async () => {
    fake.on('POST', '/hook2', (req) => {
      const refused = verifyStandardWebhook(req, SECRET, Math.floor(Date.now() / 1000));
      return refused ? { status: 401, body: { refused } } : { status: 204 };
    });
    const other = `whsec_${randomBytes(32).toString('base64')}`;
    const hook = createWebhookNotifier('hook', `${base}/hook2`, () => other);
    const result = await hook.post(sampleEvent(), 'outbox-5');
    expect(result).toEqual({ ok: false, retryable: false, error: 'HTTP 401: {"refused":"no matching signature"}' });
  });

  it('refuses a signing secret that is not whsec_ base64 of 24 to 64 bytes, without sending anything', async () => {
    expect(() => webhookKey('plain-text-secret')).toThrow('whsec_');
    expect(() => webhookKey(`whsec_${Buffer.alloc(8).toString('base64')}`)).toThrow('24 to 64 bytes');
    const hook = createWebhookNotifier('hook', `${base}/never`, () => 'nope');
    expect(await hook.post(sampleEvent(), 'x')).toMatchObject({ ok: false, retryable: false });
    expect(fake.calls('POST', '/never')).toHaveLength(0);
  });

  it('treats 429 and 5xx as retryable (after Retry-After), other 4xx as final, and never puts the webhook URL in the error', async () => {
    fake.on('POST', '/busy/secret-token', { status: 429, headers: { 'retry-after': '30' }, body: 'rate_limited' });
    fake.on('POST', '/down/secret-token', { status: 503, body: 'unavailable' });
    fake.on('POST', '/gone/secret-token', { status: 404, body: 'no_service' });
    const at = 1_000_000;
    const post = (path: string) => createSlackNotifier('ops', () => `${base}${path}`, { now: () => at }).post(sampleEvent(), 'k');
    expect(await post('/busy/secret-token')).toEqual({ ok: false, retryable: true, error: 'HTTP 429: rate_limited', retryAt: at + 30_000 });
    expect(await post('/down/secret-token')).toEqual({ ok: false, retryable: true, error: 'HTTP 503: unavailable' });
    const gone = await post('/gone/secret-token');
    expect(gone).toEqual({ ok: false, retryable: false, error: 'HTTP 404: no_service' });
    expect(JSON.stringify([gone])).not.toContain('secret-token');
  });

  it('gives up on a receiver that never answers within the timeout, as a retryable failure', async () => {
    fake.on('POST', '/hang', { hang: true });
    const slack = createSlackNotifier('ops', () => `${base}/hang`, { timeoutMs: 200 });
    expect(await slack.post(sampleEvent(), 'k')).toEqual({ ok: false, retryable: true, error: 'request failed: timed out' });
  });

  it('reports a lost response as retryable (the receiver dedupes the retry on its idempotency key)', async () => {
    fake.on('POST', '/drop', { dropResponse: true });
    const result = await createSlackNotifier('ops', () => `${base}/drop`).post(sampleEvent(), 'k');
    expect(result).toMatchObject({ ok: false, retryable: true });
  });

  it('the no-op notifier sends nothing and records what it was asked to send', async () => {
    const noop = createNoopNotifier();
    expect(await noop.post(sampleEvent(), 'k1')).toEqual({ ok: true, detail: 'not sent (no-op notifier)' });
    expect(noop.posted).toEqual([{ id: 'a1b2c3d4e5f6', kind: 'rollback_completed', idempotencyKey: 'k1' }]);
  });
});

describe('e-mail through the Trigger Email extension', () => {
  const { db, close } = testFirestore('notify-mail');
  afterAll(close);

  it('writes the document the extension reads (to, message.subject, message.text, message.html), once per delivery', async () => {
    const mail = createMailNotifier(db, 'oncall', { to: ['oncall@example.com'] });
    const event = sampleEvent({ reason: 'Error rate <b>8%</b>' });
    expect(await mail.post(event, 'outbox-9')).toEqual({ ok: true, detail: 'queued in mail' });
    expect(await mail.post(event, 'outbox-9')).toEqual({ ok: true, detail: 'already queued in mail' });
    const docs = (await db.collection('mail').get()).docs.map((d) => d.data());
    expect(docs).toHaveLength(1);
    const doc = docs[0] as { to: string[]; message: { subject: string; text: string; html: string } };
    expect(doc.to).toEqual(['oncall@example.com']);
    expect(doc.message.subject).toBe('[canary critical] Rollback completed: web 2.4.1 on alpha');
    expect(doc.message.text).toContain('Error rate 8% (confidence bound ≥ 6.1%) vs baseline 0.4%, threshold 5%, over 15 windows: red');
    expect(doc.message.html).toContain('Error rate &lt;b&gt;8%&lt;/b&gt;');
    expect(doc.message.html).toContain('<a href="https://github.com/acme/app/releases/tag/2.4.1">Release</a>');
  });
});
