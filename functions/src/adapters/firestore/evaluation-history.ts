import { Timestamp, type DocumentSnapshot, type Firestore } from 'firebase-admin/firestore';
import type { EvaluationHistory, StoredCanaryHistory } from '../../ports/evaluation-history';
import type { EvaluationRecord } from '../../ports/canary-store';
import { canaryFromDoc, evaluationFromDoc } from './canary-schema';
import { buildQuery } from './queries';
import { formatSchemaError } from './schema-error';

/** Canaries whose decisions are read at once: bounds the open queries of a long backtest. */
const PARALLEL = 8;

function updatedSince(snap: DocumentSnapshot, since: number): boolean {
  const t = snap.get('updatedAt') as unknown;
  // A document without a readable updatedAt is read rather than silently left out.
  return !(t instanceof Timestamp) || t.toMillis() >= since;
}

/**
 * The EvaluationHistory port on Firestore: `canaries/{id}` and its `evaluations` since a time.
 * A canary evaluated since then was updated since then (every tick writes it), so only those
 * canaries' decisions are queried.
 */
export function createFirestoreEvaluationHistory(db: Firestore): EvaluationHistory {
  const canaries = db.collection('canaries');

  async function historyOf(snap: DocumentSnapshot, since: number): Promise<StoredCanaryHistory> {
    const parsed = snap.exists ? canaryFromDoc(snap.id, snap.data()) : null;
    const docs = await buildQuery(canaries.doc(snap.id).collection('evaluations'), 'evaluationsSince', { range: [{ op: '>=', value: since }] }).get();
    const records: EvaluationRecord[] = [];
    let unreadable = 0;
    for (const doc of docs.docs) {
      const r = evaluationFromDoc(doc.data());
      if (r.ok) records.push(r.record);
      else unreadable++;
    }
    const base = { id: snap.id, records, unreadable };
    if (!parsed) return { ...base, canary: null, error: 'the canary document does not exist' };
    if (!parsed.ok) return { ...base, canary: null, error: `the canary document fails its schema: ${formatSchemaError(parsed.error)}` };
    const { platform, release, createdAt, gates } = parsed.canary;
    return { ...base, canary: { platform, release, createdAt, gates } };
  }

  return {
    async list({ since, canaryId }) {
      const snaps = canaryId !== undefined ? [await canaries.doc(canaryId).get()] : (await buildQuery(canaries, 'canariesAll').get()).docs.filter((d) => updatedSince(d, since));
      const out: StoredCanaryHistory[] = [];
      for (let i = 0; i < snaps.length; i += PARALLEL) {
        out.push(...(await Promise.all(snaps.slice(i, i + PARALLEL).map((s) => historyOf(s, since)))));
      }
      return out.filter((h) => h.records.length > 0 || h.unreadable > 0).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },
  };
}
