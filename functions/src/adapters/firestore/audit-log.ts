import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import * as logger from 'firebase-functions/logger';
import type { AuditLog, AuditQuery, StoredAuditEntry } from '../../ports/audit';
import { auditDocSchema, auditEntryId, auditEntrySchema } from './audit-schema';
import { isAlreadyExists } from './errors';
import { buildQuery, type QueryName } from './queries';
import { formatSchemaError } from './schema-error';
import { toPlain, withoutUndefined } from './values';

export const AUDIT_COLLECTION = 'admin_audit';
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

/**
 * The AuditLog port on Firestore. Each entry is its own document created with create(), so appends
 * never contend on a shared document; the same idempotency key maps to the same id, so a retried
 * write is stored once. Nothing here updates or deletes an entry.
 */
export function createFirestoreAuditLog(db: Firestore): AuditLog {
  const entries = db.collection(AUDIT_COLLECTION);

  return {
    async append(entry, idempotencyKey) {
      const checked = auditEntrySchema.safeParse(entry);
      if (!checked.success) throw new Error(`audit entry does not match its schema: ${formatSchemaError(checked.error)}`);
      if (!idempotencyKey) throw new Error('audit entry needs an idempotency key');
      const id = auditEntryId(idempotencyKey);
      const { ts, action, actorUid, targetId, meta } = entry;
      try {
        await entries.doc(id).create({
          ts,
          action,
          actorUid,
          targetId,
          meta: withoutUndefined(meta),
          createdAt: FieldValue.serverTimestamp(),
          idempotencyKey,
        });
        return { id, created: true };
      } catch (error) {
        if (isAlreadyExists(error)) return { id, created: false };
        throw error;
      }
    },

    async list(query: AuditQuery) {
      const limit = Math.min(Math.max(1, Math.floor(query.limit ?? DEFAULT_LIMIT)), MAX_LIMIT);
      const equal: Record<string, unknown> = {};
      if (query.targetId !== undefined) equal.targetId = query.targetId;
      if (query.action !== undefined) equal.action = query.action;
      const name: QueryName =
        query.targetId !== undefined && query.action !== undefined
          ? 'auditByTargetAndAction'
          : query.targetId !== undefined
            ? 'auditByTarget'
            : query.action !== undefined
              ? 'auditByAction'
              : 'auditNewest';
      const snap = await buildQuery(entries, name, { equal, limit }).get();
      const out: StoredAuditEntry[] = [];
      for (const doc of snap.docs) {
        const parsed = auditDocSchema.safeParse(doc.data());
        if (parsed.success) out.push({ id: doc.id, ...parsed.data, meta: toPlain(parsed.data.meta) as Record<string, unknown> });
        else logger.warn('skipping an audit entry that fails its schema', { path: doc.ref.path, error: formatSchemaError(parsed.error) });
      }
      return out;
    },
  };
}
