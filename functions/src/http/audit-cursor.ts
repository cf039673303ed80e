import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * The `next` token of GET /audit: opaque to callers, base64url of the last entry's id and a hash of
 * the filter it was issued for, so a token is refused (400) with another filter rather than
 * silently paging a different list.
 */
const Payload = z.strictObject({ v: z.literal(1), after: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/), f: z.string().regex(/^[0-9a-f]{16}$/) });

function filterHash(filter: { targetId?: string; action?: string }): string {
  return createHash('sha256').update(JSON.stringify([filter.targetId ?? null, filter.action ?? null])).digest('hex').slice(0, 16);
}

export function encodeAuditCursor(afterId: string, filter: { targetId?: string; action?: string }): string {
  return Buffer.from(JSON.stringify({ v: 1, after: afterId, f: filterHash(filter) })).toString('base64url');
}

/** The entry id to continue after, or null when the token is not one this API issued for this filter. */
export function decodeAuditCursor(token: string, filter: { targetId?: string; action?: string }): string | null {
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const parsed = Payload.safeParse(payload);
  if (!parsed.success || parsed.data.f !== filterHash(filter)) return null;
  return parsed.data.after;
}
