import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import * as logger from 'firebase-functions/logger';
import { z } from 'zod';
import { METRICS } from '../../core/types';
import type { IncidentReport, IncidentStore } from '../../ports/incidents';
import { isAlreadyExists } from './errors';
import { buildQuery } from './queries';
import { formatSchemaError } from './schema-error';
import { runTransaction } from './transaction';
import { anyNumber, finite, toPlain, withoutUndefined } from './values';

const point = z.object({ at: finite.nullable(), source: z.string() });
const verdict = z.enum(['green', 'yellow', 'red', 'inconclusive']);

/** `incidents/{id}` read back: every field the API shows is checked; a bad document is skipped and logged. */
const incidentDoc = z.object({
  id: z.string(),
  canaryId: z.string(),
  generation: z.number().int(),
  release: z.string(),
  platform: z.string(),
  channel: z.string(),
  outcome: z.enum(['rolled_back', 'rollback_failed']),
  trigger: z.string(),
  requestedBy: z.string(),
  reason: z.string(),
  rollbackTo: z.string().nullable(),
  timeline: z.object({ onset: point, detected: point, decided: point, restored: point, recovered: point }),
  durations: z.record(z.string(), finite.nullable()),
  mttr: z.object({
    targetMinutes: finite.nullable(),
    minutes: finite.nullable(),
    met: z.boolean().nullable(),
    clearedAt: finite.optional(),
    clearedBy: z.string().optional(),
  }),
  decision: z
    .object({
      at: finite,
      verdict,
      reasons: z.array(z.string()),
      metrics: z.array(z.object({ metric: z.enum(METRICS), status: verdict, canary: anyNumber.nullable(), baseline: anyNumber.nullable(), threshold: anyNumber })),
      confidence: z.object({ red: finite, yellow: finite, green: finite }),
    })
    .nullable(),
  affectedUsers: finite.nullable(),
  rolloutPercent: finite,
  steps: z.array(z.object({ step: z.string(), status: z.string(), detail: z.string().nullable(), error: z.string().nullable(), tries: finite })),
  trail: z.array(z.object({ ts: finite, action: z.string(), actor: z.string() })),
  links: z.array(z.object({ label: z.string(), url: z.string() })),
  githubIssue: z.object({ number: z.number().int(), url: z.string() }).nullable(),
  createdAt: finite,
});

function parse(path: string, data: unknown): IncidentReport | null {
  const parsed = incidentDoc.safeParse(toPlain(data));
  if (parsed.success) return parsed.data as IncidentReport;
  logger.warn('skipping an incident document that fails its schema', { path, error: formatSchemaError(parsed.error) });
  return null;
}

/**
 * The IncidentStore port on Firestore: `incidents/{id}` (with a top-level `decidedAt` for the
 * queries) and `incidents/{id}/claims/{key}`. Creation and claims are create(): exactly once.
 */
export function createFirestoreIncidentStore(db: Firestore): IncidentStore {
  const incidents = db.collection('incidents');
  return {
    async create(report) {
      try {
        await incidents.doc(report.id).create(withoutUndefined({ ...report, decidedAt: report.timeline.decided.at ?? report.createdAt }));
        return true;
      } catch (err) {
        if (isAlreadyExists(err)) return false;
        throw err;
      }
    },
    async get(id) {
      const snap = await incidents.doc(id).get();
      return snap.exists ? parse(snap.ref.path, snap.data()) : null;
    },
    async list(query) {
      const range = query.since !== undefined ? [{ op: '>=' as const, value: query.since }] : [];
      const limit = Math.min(query.limit ?? 50, 200);
      const q = query.channel
        ? buildQuery(incidents, 'incidentsByChannel', { equal: { channel: query.channel }, range, limit })
        : buildQuery(incidents, 'incidentsNewest', { range, limit });
      const snap = await q.get();
      return snap.docs.map((d) => parse(d.ref.path, d.data())).filter((r): r is IncidentReport => r !== null);
    },
    async update(id, patch) {
      await incidents.doc(id).update(withoutUndefined(patch));
    },
    async change(id, compute) {
      // Read and write in one transaction: two ticks (or a tick and a person) never both apply a
      // change computed from the same old report; the loser re-reads and sees the first one's.
      return runTransaction(db, async (tx) => {
        const ref = incidents.doc(id);
        const snap = await tx.get(ref);
        if (!snap.exists) return null;
        const report = parse(ref.path, snap.data());
        if (!report) return null;
        const patch = compute(report);
        if (!patch) return { report, changed: false };
        tx.update(ref, withoutUndefined(patch));
        return { report: { ...report, ...patch } as IncidentReport, changed: true };
      });
    },
    async claim(id, key) {
      try {
        await incidents.doc(id).collection('claims').doc(key).create({ claimedAt: FieldValue.serverTimestamp() });
        return true;
      } catch (err) {
        if (isAlreadyExists(err)) return false;
        throw err;
      }
    },
  };
}
