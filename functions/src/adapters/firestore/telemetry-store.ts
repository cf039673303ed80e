import { FieldPath, Timestamp, type DocumentReference, type Firestore } from 'firebase-admin/firestore';
import { addScalarCounts, boundWindow } from '../../core/telemetry-bounds';
import type { BatchOutcome, IngestAnswer, PendingBatch, TelemetryStore } from '../../ports';
import {
  DEFAULT_RETENTION_MS,
  DEFAULT_SHARDS,
  InstallEntrySchema,
  minuteRef,
  shardOf,
  TELEMETRY_KEYS,
  TELEMETRY_USAGE,
  TotalsSchema,
  type InstallEntry,
  type Totals,
} from './telemetry-layout';

export interface FirestoreTelemetryOptions {
  /** Documents per release and minute (default 4). Readers find them by query, so it may change at any time. */
  shards?: number;
  /** Aggregates are kept this long (TTL on expireAt; default 14 days). */
  retentionMs?: number;
  /** Told after each successful commit how many documents it wrote (benchmarks count writes here). */
  onCommit?: (stats: { documents: number; batches: number }) => void;
}

/** Key usage only serves the current minute's budget. */
const USAGE_RETENTION_MS = 24 * 3600_000;

interface Touched {
  ref: DocumentReference;
  base: { platform: string; release: string; minute: number; shard: number };
  totals: Totals;
  latency: Record<string, number>;
  installs: Map<string, InstallEntry>;
  /** Install entries and markers changed by this commit. */
  changed: Map<string, { entry: InstallEntry; markers: Record<string, number[]> }>;
  dirty: boolean;
}

/**
 * The aggregate store on Firestore. One commit is one transaction over the minute documents its
 * batches touch: it reads only their totals, histogram and the entries of the installs involved
 * (a field mask), applies dedup markers, per-install budgets and caps, and writes each document
 * once. Writes therefore grow with (release, minute, shard) per commit, not with reports, and a
 * batch that was answered is in Firestore. Duplicates sent to two instances at once meet in the
 * transaction: one of them retries and finds the other's marker.
 */
export function createFirestoreTelemetryStore(db: Firestore, options: FirestoreTelemetryOptions = {}): TelemetryStore {
  const shards = options.shards ?? DEFAULT_SHARDS;
  const retention = options.retentionMs ?? DEFAULT_RETENTION_MS;

  function docsOf(batches: PendingBatch[]): Map<string, Omit<Touched, 'totals' | 'latency' | 'installs' | 'changed' | 'dirty'>> {
    const docs = new Map<string, Omit<Touched, 'totals' | 'latency' | 'installs' | 'changed' | 'dirty'>>();
    for (const b of batches) {
      const shard = shardOf(b.installHash, shards);
      for (const minute of [b.markerMinute, ...b.windows.map((w) => w.minute)]) {
        const ref = minuteRef(db, b.platform, b.release, minute, shard);
        if (!docs.has(ref.path)) docs.set(ref.path, { ref, base: { platform: b.platform, release: b.release, minute, shard } });
      }
    }
    return docs;
  }

  return {
    async commit(batches, usage, limits) {
      const planned = docsOf(batches);
      const mask = [new FieldPath('t'), new FieldPath('l'), ...[...new Set(batches.map((b) => b.installHash))].map((h) => new FieldPath('i', h))];
      let written = 0;
      const outcomes = await db.runTransaction(async (tx) => {
        const refs = [...planned.values()].map((d) => d.ref);
        const snaps = refs.length > 0 ? await tx.getAll(...refs, { fieldMask: mask }) : [];
        const touched = new Map<string, Touched>();
        snaps.forEach((snap, k) => {
          const plan = planned.get(refs[k]!.path)!;
          const data = (snap.data() ?? {}) as { t?: unknown; l?: unknown; i?: Record<string, unknown> };
          const installs = new Map<string, InstallEntry>();
          for (const [h, raw] of Object.entries(data.i ?? {})) {
            const parsed = InstallEntrySchema.safeParse(raw);
            if (parsed.success) installs.set(h, parsed.data);
          }
          const totals = TotalsSchema.safeParse(data.t ?? {});
          const latency = data.l && typeof data.l === 'object' ? { ...(data.l as Record<string, number>) } : {};
          touched.set(plan.ref.path, { ...plan, totals: totals.success ? totals.data : TotalsSchema.parse({}), latency, installs, changed: new Map(), dirty: false });
        });
        const entryOf = (doc: Touched, h: string) => {
          let change = doc.changed.get(h);
          if (!change) {
            change = { entry: structuredClone(doc.installs.get(h) ?? InstallEntrySchema.parse({})), markers: {} };
            doc.changed.set(h, change);
          }
          return change;
        };
        const result = batches.map((b): BatchOutcome => {
          const shard = shardOf(b.installHash, shards);
          const markerDoc = touched.get(minuteRef(db, b.platform, b.release, b.markerMinute, shard).path)!;
          const marker = entryOf(markerDoc, b.installHash);
          const first = marker.entry.a[b.batchHash] ?? marker.markers[b.batchHash];
          if (first) return { kind: 'duplicate', answer: answerOf(first) };
          // Every window dropped: nothing to count and no marker to keep (a retry gets the same answer).
          if (b.windows.length === 0) return { kind: 'recorded', answer: b.answer };
          if (marker.entry.n >= limits.batchesPerMinute) return { kind: 'over_budget', retryAfterSeconds: 60 };
          marker.entry.n += 1;
          marker.markers[b.batchHash] = [b.answer.accepted, b.answer.dropped, b.answer.sampleRate];
          markerDoc.dirty = true;
          for (const w of b.windows) {
            const doc = touched.get(minuteRef(db, b.platform, b.release, w.minute, shard).path)!;
            const { entry } = entryOf(doc, b.installHash);
            const bounded = boundWindow({ requests: entry.r, errors: entry.e, sessions: entry.s, crashes: entry.c }, w, limits);
            entry.r = bounded.after.requests;
            entry.e = bounded.after.errors;
            entry.s = bounded.after.sessions;
            entry.c = bounded.after.crashes;
            const t = doc.totals;
            addScalarCounts(t, bounded.add);
            t.windows += 1;
            if (bounded.capped) t.cappedWindows += 1;
            for (const [bucket, count] of bounded.add.latency) doc.latency[`b${bucket}`] = (doc.latency[`b${bucket}`] ?? 0) + count;
            doc.dirty = true;
          }
          return { kind: 'recorded', answer: b.answer };
        });
        written = 0;
        for (const doc of touched.values()) {
          if (!doc.dirty) continue;
          const installs: Record<string, unknown> = {};
          for (const [h, { entry, markers }] of doc.changed) {
            // Only new markers: an empty map in a merge would replace the stored one.
            installs[h] = { r: entry.r, e: entry.e, s: entry.s, c: entry.c, n: entry.n, ...(Object.keys(markers).length > 0 ? { a: markers } : {}) };
          }
          tx.set(
            doc.ref,
            { ...doc.base, expireAt: Timestamp.fromMillis(doc.base.minute + retention), t: doc.totals, ...(Object.keys(doc.latency).length > 0 ? { l: doc.latency } : {}), i: installs },
            { merge: true },
          );
          written += 1;
        }
        for (const u of usage) {
          const ref = db.collection(TELEMETRY_KEYS).doc(u.keyId).collection(TELEMETRY_USAGE).doc(`${u.minute}_${u.instance}`);
          tx.set(ref, { minute: u.minute, instance: u.instance, reports: u.reports, expireAt: Timestamp.fromMillis(u.minute + USAGE_RETENTION_MS) });
          written += 1;
        }
        return result;
      });
      options.onCommit?.({ documents: written, batches: batches.length });
      return outcomes;
    },

    async keyUsage(keyId, minute) {
      const snap = await db.collection(TELEMETRY_KEYS).doc(keyId).collection(TELEMETRY_USAGE).where('minute', '==', minute).get();
      return snap.docs.reduce((sum, d) => sum + (typeof d.get('reports') === 'number' ? (d.get('reports') as number) : 0), 0);
    },
  };
}

function answerOf(stored: number[]): IngestAnswer {
  return { accepted: stored[0] ?? 0, dropped: stored[1] ?? 0, sampleRate: stored[2] ?? 1 };
}
