import type { Firestore } from 'firebase-admin/firestore';
import * as logger from 'firebase-functions/logger';
import { AuditCursorNotFound, type AuditLog, type AuditQuery, type StoredAuditEntry } from '../../ports/audit';
import { FencedOut } from '../../ports/lease';
import { auditDocSchema } from './audit-schema';
import { AUDIT_COLLECTION, auditWrites } from './audit-writes';
import { isAlreadyExists } from './errors';
import { fenceBroken } from './fence';
import { buildQuery, type QueryName } from './queries';
import { formatSchemaError } from './schema-error';
import { runTransaction } from './transaction';
import { toPlain } from './values';

export { AUDIT_COLLECTION };
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

/**
 * The AuditLog port on Firestore. Each entry is its own document created with create(), so appends
 * never contend on a shared document; the same idempotency key maps to the same id, so a retried
 * write is stored once. Nothing here updates or deletes an entry.
 *
 * An entry that is news (core/notification-events.ts) is written in one batch with its
 * notification outbox item, of the same id: both exist or neither does, so no message goes out
 * without its entry and no entry's message is forgotten. A repeat fails the whole batch on the
 * entry's create(), so the item is never written twice either. A state change carries its entries
 * in its own transaction instead (CanaryWriteOptions.audit), through the same auditWrites().
 * An append under a lease (options.fence) is a transaction that checks the holder's term beside
 * the entry's create(): a holder whose term was taken over appends nothing (FencedOut).
 */
export function createFirestoreAuditLog(db: Firestore): AuditLog {
  const entries = db.collection(AUDIT_COLLECTION);

  return {
    async append(entry, idempotencyKey, options) {
      const { id, entryRef, creates } = auditWrites(db, { entry, idempotencyKey });
      const fence = options?.fence;
      if (fence) {
        return runTransaction(db, async (tx) => {
          const [broken, existing] = await Promise.all([fenceBroken(db, tx, fence), tx.get(entryRef)]);
          if (broken) throw new FencedOut(fence, broken, `audit ${entry.action}`);
          if (existing.exists) return { id, created: false };
          for (const c of creates) tx.create(c.ref, c.data);
          return { id, created: true };
        });
      }
      const batch = db.batch();
      for (const c of creates) batch.create(c.ref, c.data);
      try {
        await batch.commit();
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
      let q = buildQuery(entries, name, { equal, limit });
      if (query.after !== undefined) {
        // Continue after that entry's snapshot: Firestore orders ties on ts by document id, so no entry is skipped or repeated.
        const last = await entries.doc(query.after).get();
        if (!last.exists) throw new AuditCursorNotFound(query.after);
        q = q.startAfter(last);
      }
      const snap = await q.get();
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
