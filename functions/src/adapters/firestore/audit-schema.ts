import { createHash } from 'node:crypto';
import { z } from 'zod';
import { finite, timestampMs } from './values';

/** What append() accepts: the source document's entry shape. */
export const auditEntrySchema = z.object({
  ts: finite,
  action: z.string().min(1),
  actorUid: z.string().min(1),
  targetId: z.string(),
  meta: z.record(z.string(), z.unknown()),
});

/**
 * `admin_audit/{id}` as stored: the entry's fields exactly as the source document shows them, plus
 * the server's `createdAt` (a Timestamp: the sealer's window is cut on it) and the idempotency key.
 */
export const auditDocSchema = auditEntrySchema.extend({
  idempotencyKey: z.string().min(1),
  createdAt: timestampMs.nullable(),
});

/**
 * The entry's document id: the first 40 hex digits (160 bits) of sha256(idempotency key), so the
 * same logical event always lands on the same document and any key is a valid id.
 */
export function auditEntryId(idempotencyKey: string): string {
  return createHash('sha256').update(idempotencyKey, 'utf8').digest('hex').slice(0, 40);
}
