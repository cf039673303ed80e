import { FieldValue, Timestamp, type DocumentSnapshot, type Firestore } from 'firebase-admin/firestore';
import * as logger from 'firebase-functions/logger';
import type { Canary } from '../../core/canary';
import type { CanaryListQuery, CanaryRead, CanaryStore, EvaluationRecord } from '../../ports/canary-store';
import { canaryFromDoc, canaryToDoc, canaryDocSchema, evaluationFromDoc, evaluationToDoc } from './canary-schema';
import { isAlreadyExists, isNotFound } from './errors';
import { buildQuery, type QueryName } from './queries';
import { formatSchemaError } from './schema-error';
import { withoutUndefined } from './values';

/** Top-level fields stored as Timestamps: a patch gives them in ms like every domain time. */
const TIMESTAMP_FIELDS = new Set(['createdAt', 'updatedAt']);

function read(snap: DocumentSnapshot): CanaryRead {
  const data = snap.data();
  // A quarantined document reads as what it was quarantined for, as in the in-memory fake, so a
  // caller never quarantines (writes, and retriggers) the same document twice.
  if (data?.status === 'invalid') {
    return { ok: false, id: snap.id, error: typeof data.error === 'string' ? data.error : 'marked invalid' };
  }
  const parsed = canaryFromDoc(snap.id, data);
  return parsed.ok ? { ok: true, canary: parsed.canary } : { ok: false, id: snap.id, error: formatSchemaError(parsed.error) };
}

/** updatedAt descending; a document without a Timestamp there (hand-edited) comes last, then by id. */
function newestFirst(a: DocumentSnapshot, b: DocumentSnapshot): number {
  const time = (d: DocumentSnapshot) => {
    const t = d.get('updatedAt') as unknown;
    return t instanceof Timestamp ? t.toMillis() : -Infinity;
  };
  return time(b) - time(a) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Patch values in Firestore's terms. undefined clears the field by storing null, which the schema
 * reads as absent: FieldValue.delete() would be tidier, but the in-process test server ignores it,
 * and a clear that only the production database performs is a clear nobody tested.
 */
function patchToDoc(patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(patch)) {
    if (value === undefined) out[path] = null;
    else if (TIMESTAMP_FIELDS.has(path) && typeof value === 'number') out[path] = Timestamp.fromMillis(value);
    else out[path] = withoutUndefined(value);
  }
  return out;
}

/**
 * The CanaryStore port on Firestore: `canaries/{id}`, with `claims/{key}` and `evaluations/{key}`
 * beneath. Every exactly-once path is a create(), never a read-then-write or a transaction.
 * `list` returns every matching document, newest updatedAt first; `limit` caps how many documents
 * are read (in document-id order, before the sort), so it bounds cost rather than picking the newest.
 */
export function createFirestoreCanaryStore(db: Firestore): CanaryStore {
  const canaries = db.collection('canaries');

  return {
    async get(id) {
      const snap = await canaries.doc(id).get();
      return snap.exists ? read(snap) : null;
    },

    async list(query: CanaryListQuery) {
      const statuses = query.status === undefined ? undefined : ([] as string[]).concat(query.status);
      if (statuses?.length === 0) return [];
      const equal: Record<string, unknown> = {};
      if (query.recoveryWatch) {
        if (query.platform || (statuses && (statuses.length !== 1 || statuses[0] !== 'rolled_back'))) {
          throw new Error('the recovery watch lists rolled_back canaries of every platform only');
        }
        const snap = await buildQuery(canaries, 'canariesWatchingRecovery', { equal: { status: 'rolled_back', recoveryWatch: true }, limit: query.limit }).get();
        return [...snap.docs].sort(newestFirst).map(read);
      }
      if (statuses) equal.status = statuses.length === 1 ? statuses[0] : statuses;
      if (query.platform) equal.platform = query.platform;
      const name: QueryName =
        statuses && query.platform ? 'canariesByPlatformAndStatus' : statuses ? 'canariesByStatus' : query.platform ? 'canariesByPlatform' : 'canariesAll';
      const snap = await buildQuery(canaries, name, { equal, limit: query.limit }).get();
      return [...snap.docs].sort(newestFirst).map(read);
    },

    async createIfAbsent(canary: Canary) {
      const doc = canaryToDoc(canary);
      const check = canaryDocSchema.safeParse(doc);
      // Never store what could not be read back: that is a bug in the caller, not stored state.
      if (!check.success) throw new Error(`canary ${canary.id} does not match the document schema: ${formatSchemaError(check.error)}`);
      const ref = canaries.doc(canary.id);
      try {
        await ref.create(doc);
        return { created: true, canary: { ok: true, canary: structuredClone(canary) } };
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
        return { created: false, canary: read(await ref.get()) };
      }
    },

    async update(id, patch) {
      const doc = patchToDoc(patch);
      if (!('updatedAt' in doc)) doc.updatedAt = FieldValue.serverTimestamp();
      await canaries.doc(id).update(doc);
    },

    async markInvalid(id, error) {
      const ref = canaries.doc(id);
      const snap = await ref.get();
      if (!snap.exists) return;
      if (snap.get('status') === 'invalid' && snap.get('error') === error) return;
      try {
        // Only these two fields: the rest stays as found, for a human to inspect and repair.
        await ref.update({ status: 'invalid', error });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    },

    async claim(id, key, data) {
      try {
        await canaries.doc(id).collection('claims').doc(key).create({ claimedAt: FieldValue.serverTimestamp(), ...withoutUndefined(data) });
        return true;
      } catch (error) {
        if (isAlreadyExists(error)) return false;
        throw error;
      }
    },

    async recordEvaluation(id, key, record) {
      try {
        await canaries.doc(id).collection('evaluations').doc(key).create({ ...evaluationToDoc(record), recordedAt: FieldValue.serverTimestamp() });
        return true;
      } catch (error) {
        if (isAlreadyExists(error)) return false;
        throw error;
      }
    },

    async listEvaluations(id, limit) {
      const snap = await buildQuery(canaries.doc(id).collection('evaluations'), 'evaluationsNewest', { limit }).get();
      const out: EvaluationRecord[] = [];
      for (const doc of snap.docs) {
        const parsed = evaluationFromDoc(doc.data());
        if (parsed.ok) out.push(parsed.record);
        else logger.warn('skipping an evaluation document that fails its schema', { path: doc.ref.path, error: formatSchemaError(parsed.error) });
      }
      return out;
    },
  };
}
