import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RecordedRequest } from './http-fake';

/**
 * A receiver's side of Standard Webhooks, written from the spec, not from the sender's code:
 * all three headers present, timestamp within 5 minutes, some `v1,` entry of the space-separated
 * list equal (constant time) to base64 HMAC-SHA256 of "id.timestamp.rawBody" under the decoded
 * `whsec_` key. Returns why it refuses, or null.
 */
export function verifyStandardWebhook(req: RecordedRequest, secret: string, nowSeconds: number): string | null {
  const id = req.headers['webhook-id'];
  const ts = req.headers['webhook-timestamp'];
  const sig = req.headers['webhook-signature'];
  if (typeof id !== 'string' || typeof ts !== 'string' || typeof sig !== 'string') return 'missing header';
  if (!/^\d+$/.test(ts) || Math.abs(nowSeconds - Number(ts)) > 300) return 'timestamp out of tolerance';
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${ts}.${req.rawBody}`).digest();
  const match = sig.split(' ').some((entry) => {
    const [version, value] = entry.split(',');
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return match ? null : 'no matching signature';
}
