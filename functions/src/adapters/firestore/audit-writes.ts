import { FieldValue, type DocumentReference, type Firestore } from 'firebase-admin/firestore';
import { eventFromAudit } from '../../core/notification-events';
import type { PendingAuditEntry } from '../../ports/audit';
import { auditEntryId, auditEntrySchema } from './audit-schema';
import { OUTBOX_COLLECTION, outboxDoc, TRIGGER_GRACE_MS } from './notification-outbox';
import { formatSchemaError } from './schema-error';
import { withoutUndefined } from './values';

export const AUDIT_COLLECTION = 'admin_audit';

/** The documents one audit entry is made of: the entry, and its notification outbox item when it is news. */
export interface AuditWrites {
  id: string;
  /** The entry's document: its existence means the entry is stored (the key was used). */
  entryRef: DocumentReference;
  /** Every create() the entry needs, entry first; all in the caller's batch or transaction. */
  creates: { ref: DocumentReference; data: Record<string, unknown> }[];
}

/**
 * The writes of one audit entry, for the audit log's own batch and for a state change's transaction
 * (canary-store.ts) alike, so an entry is stored the same way whichever unit carries it. An entry
 * that is news (core/notification-events.ts) has its outbox item of the same id beside it.
 */
export function auditWrites(db: Firestore, pending: PendingAuditEntry): AuditWrites {
  const checked = auditEntrySchema.safeParse(pending.entry);
  if (!checked.success) throw new Error(`audit entry does not match its schema: ${formatSchemaError(checked.error)}`);
  if (!pending.idempotencyKey) throw new Error('audit entry needs an idempotency key');
  const id = auditEntryId(pending.idempotencyKey);
  const { ts, action, actorUid, targetId, meta } = pending.entry;
  const entryRef = db.collection(AUDIT_COLLECTION).doc(id);
  const creates: AuditWrites['creates'] = [
    {
      ref: entryRef,
      data: { ts, action, actorUid, targetId, meta: withoutUndefined(meta), createdAt: FieldValue.serverTimestamp(), idempotencyKey: pending.idempotencyKey },
    },
  ];
  const event = eventFromAudit(id, { ts, action, actorUid, targetId, meta });
  if (event) creates.push({ ref: db.collection(OUTBOX_COLLECTION).doc(id), data: outboxDoc(event, ts + TRIGGER_GRACE_MS) });
  return { id, entryRef, creates };
}
