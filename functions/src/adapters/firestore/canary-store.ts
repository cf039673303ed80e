import { FieldValue, Timestamp, type DocumentSnapshot, type Firestore } from 'firebase-admin/firestore';
import * as logger from 'firebase-functions/logger';
import type { Canary } from '../../core/canary';
import { isRollbackHeld, undoesRollback } from '../../core/rollback-hold';
import type { PendingAuditEntry } from '../../ports/audit';
import { CanaryConflict, type CanaryListQuery, type CanaryRead, type CanaryStore, type EvaluationRecord } from '../../ports/canary-store';
import { auditWrites } from './audit-writes';
import { canaryFromDoc, canaryToDoc, canaryDocSchema, evaluationFromDoc, evaluationToDoc } from './canary-schema';
import { isAlreadyExists } from './errors';
import { completedRequest, IDEMPOTENCY_COLLECTION, idempotencyDocId } from './idempotency-store';
import { fenceBroken } from './fence';
import { buildQuery, type QueryName } from './queries';
import { formatSchemaError } from './schema-error';
import { runTransaction } from './transaction';
import { withoutUndefined } from './values';

/** Top-level fields stored as Timestamps: a patch gives them in ms like every domain time. */
const TIMESTAMP_FIELDS = new Set(['createdAt', 'updatedAt']);

/**
 * The stored revision, from Firestore's update time (to the nanosecond): two writes never share
 * one, so equal versions mean nothing was written in between.
 */
function versionOf(snap: DocumentSnapshot): string {
  const t = snap.updateTime;
  return t ? `${t.seconds}.${String(t.nanoseconds).padStart(9, '0')}` : 'none';
}

function read(snap: DocumentSnapshot): CanaryRead {
  const data = snap.data();
  const version = versionOf(snap);
  // A quarantined document reads as what it was quarantined for, as in the in-memory fake, so a
  // caller never quarantines (writes, and retriggers) the same document twice.
  if (data?.status === 'invalid') {
    return { ok: false, id: snap.id, error: typeof data.error === 'string' ? data.error : 'marked invalid', version };
  }
  const parsed = canaryFromDoc(snap.id, data);
  return parsed.ok ? { ok: true, canary: parsed.canary, version } : { ok: false, id: snap.id, error: formatSchemaError(parsed.error), version };
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

function withoutCounts(record: EvaluationRecord): EvaluationRecord {
  const { counts: _counts, ...rest } = record;
  void _counts;
  return rest;
}

/**
 * The CanaryStore port on Firestore: `canaries/{id}`, with `claims/{key}` and `evaluations/{key}`
 * beneath. Claims and decision documents are create()s; a canary write is one transaction with its
 * checks and its audit entries.
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
      if (query.mttrMissed) {
        if (query.platform || statuses || query.recoveryWatch) throw new Error('the MTTR flag query lists canaries of every status and platform only');
        const snap = await buildQuery(canaries, 'canariesMttrMissed', { equal: { 'mttrMissed.open': true }, limit: query.limit }).get();
        return [...snap.docs].sort(newestFirst).map(read);
      }
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

    async createIfAbsent(canary: Canary, options: { audit?: PendingAuditEntry[] } = {}) {
      const doc = canaryToDoc(canary);
      const check = canaryDocSchema.safeParse(doc);
      // Never store what could not be read back: that is a bug in the caller, not stored state.
      if (!check.success) throw new Error(`canary ${canary.id} does not match the document schema: ${formatSchemaError(check.error)}`);
      const ref = canaries.doc(canary.id);
      const entries = (options.audit ?? []).map((p) => auditWrites(db, p));
      // One transaction: the canary and its entries land together, and only for the caller that created it.
      const outcome = await runTransaction(db, async (tx) => {
        const [snap, ...stored] = await Promise.all([tx.get(ref), ...entries.map((e) => tx.get(e.entryRef))]);
        if (snap.exists) return { created: false as const };
        tx.create(ref, doc);
        entries.forEach((e, i) => {
          if (!stored[i].exists) for (const c of e.creates) tx.create(c.ref, c.data);
        });
        return { created: true as const };
      });
      return { created: outcome.created, canary: read(await ref.get()) };
    },

    async update(id, patch, options = {}) {
      const doc = patchToDoc(patch);
      if (!('updatedAt' in doc)) doc.updatedAt = FieldValue.serverTimestamp();
      const ref = canaries.doc(id);
      const evaluation = options.evaluation;
      const evaluationRef = evaluation ? ref.collection('evaluations').doc(evaluation.key) : undefined;
      const entries = (options.audit ?? []).map((p) => auditWrites(db, p));
      const completes = options.completes;
      const requestRef = completes ? db.collection(IDEMPOTENCY_COLLECTION).doc(idempotencyDocId(completes.key)) : undefined;
      // One transaction: the checks read what the write replaces, so no other write can land in
      // between (on contention Firestore retries the body, which re-reads; a refusal aborts it).
      // The audit entries are created in it too: the change and its entries land together or not at all.
      await runTransaction(db, async (tx) => {
        const [snap, decided, fenced, request, ...stored] = await Promise.all([
          tx.get(ref),
          evaluationRef ? tx.get(evaluationRef) : undefined,
          options.fence ? fenceBroken(db, tx, options.fence) : null,
          requestRef ? tx.get(requestRef) : undefined,
          ...entries.map((e) => tx.get(e.entryRef)),
        ]);
        const status = snap.get('status') as unknown;
        const refuse = (reason: CanaryConflict['reason'], message: string) =>
          new CanaryConflict(id, reason, `canary ${id}: ${message}`, typeof status === 'string' ? status : undefined);
        if (!snap.exists) throw refuse('missing', 'no such canary');
        if (decided?.exists) throw refuse('already_decided', `another run already decided ${evaluation!.key}`);
        if (fenced) throw refuse('fenced', fenced);
        if (request && (request.get('claim') !== completes!.claim || request.get('state') !== 'in_flight')) {
          throw refuse('claim_lost', 'the Idempotency-Key of this request was taken over by a retry (or answered): this run writes nothing');
        }
        const repeat = stored.findIndex((s) => s.exists);
        if (repeat >= 0) throw refuse('duplicate', `audit entry ${entries[repeat].id} (${options.audit![repeat].entry.action}) is already stored: this change was already made`);
        if (options.ifVersion !== undefined && versionOf(snap) !== options.ifVersion) {
          throw refuse('changed', `changed since it was read (now ${String(status)})`);
        }
        if (!options.by) {
          const undo = undoesRollback({ status, frozen: snap.get('rollout.frozen') === true }, patch);
          if (undo) throw refuse('rollback_holds', undo);
        }
        if (evaluationRef) tx.create(evaluationRef, { ...evaluationToDoc(evaluation!.record), recordedAt: FieldValue.serverTimestamp() });
        tx.update(ref, doc);
        for (const e of entries) for (const c of e.creates) tx.create(c.ref, c.data);
        if (requestRef) tx.update(requestRef, completedRequest(completes!.answer));
      });
      return { auditIds: entries.map((e) => e.id) };
    },

    async markInvalid(id, error, options = {}) {
      const ref = canaries.doc(id);
      await runTransaction(db, async (tx) => {
        const snap = await tx.get(ref);
        if (!snap.exists) return;
        if (snap.get('status') === 'invalid' && snap.get('error') === error) return;
        // Repaired (or rewritten) since it was read broken: judge it again next time instead.
        if (options.ifVersion !== undefined && versionOf(snap) !== options.ifVersion) return;
        // A rollback under way is not stopped by a quarantine written from an older read.
        if (options.ifVersion === undefined && isRollbackHeld(snap.get('status')) && canaryFromDoc(id, snap.data()).ok) return;
        // Only these two fields: the rest stays as found, for a human to inspect and repair.
        tx.update(ref, { status: 'invalid', error });
      });
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

    async listEvaluations(id, limit, before) {
      const range = before === undefined ? [] : [{ op: '<' as const, value: before }];
      const snap = await buildQuery(canaries.doc(id).collection('evaluations'), 'evaluationsNewest', { limit, range }).get();
      const out: EvaluationRecord[] = [];
      for (const doc of snap.docs) {
        const parsed = evaluationFromDoc(doc.data());
        // The raw counts are the backtest's (evaluation-history.ts); the API's pages stay small.
        if (parsed.ok) out.push(withoutCounts(parsed.record));
        else logger.warn('skipping an evaluation document that fails its schema', { path: doc.ref.path, error: formatSchemaError(parsed.error) });
      }
      return out;
    },
  };
}
