import { createHmac } from 'node:crypto';
import type { NotificationEvent } from '../../core/notification';
import { plainText } from '../../core/notification-text';
import type { Notifier } from '../../ports/notifier';
import { postJson, type HttpPostOptions } from './http-post';

/**
 * The HMAC key of a Standard Webhooks secret: `whsec_` + base64 of the key bytes (the spec
 * recommends 24 to 64 bytes). Anything else is refused rather than used as text, so a receiver
 * and a sender never disagree on the key.
 */
export function webhookKey(secret: string): Buffer {
  const m = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret.trim());
  if (!m) throw new Error('the webhook signing secret must be whsec_ followed by base64');
  const key = Buffer.from(m[1], 'base64');
  if (key.length < 24 || key.length > 64) throw new Error(`the webhook signing key must be 24 to 64 bytes, not ${key.length}`);
  return key;
}

/**
 * The signature header of the Standard Webhooks spec (standardwebhooks.com): `v1,` + base64 of
 * HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>"), over the exact body bytes sent.
 */
export function signWebhook(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`, 'utf8').digest('base64')}`;
}

/** The body: the spec's recommended envelope (type, timestamp, data), the event as data. */
export function webhookBody(event: NotificationEvent): string {
  return JSON.stringify({ type: `canary.${event.kind}`, timestamp: new Date(event.at).toISOString(), data: { ...event, text: plainText(event) } });
}

export interface WebhookOptions extends HttpPostOptions {
  /** Seconds since epoch for webhook-timestamp (the send time, not the event's: receivers reject stale ones). */
  nowSeconds?: () => number;
}

/**
 * A generic webhook signed per Standard Webhooks. `webhook-id` is the outbox id, the same on every
 * retry, which the spec names as the receiver's idempotency key; the timestamp and signature are
 * fresh on each try.
 */
export function createWebhookNotifier(destination: string, url: string, secret: () => string, options: WebhookOptions = {}): Notifier {
  return {
    destination,
    async post(event, idempotencyKey) {
      let key: Buffer;
      try {
        key = webhookKey(secret());
      } catch (err) {
        return { ok: false, retryable: false, error: (err as Error).message };
      }
      const body = webhookBody(event);
      const ts = Math.floor(options.nowSeconds?.() ?? (options.now?.() ?? Date.now()) / 1000);
      const headers = {
        'webhook-id': idempotencyKey,
        'webhook-timestamp': String(ts),
        'webhook-signature': signWebhook(key, idempotencyKey, ts, body),
        'idempotency-key': idempotencyKey,
      };
      return postJson(url, body, headers, options);
    },
  };
}
