import { Timestamp, type DocumentReference, type Firestore } from 'firebase-admin/firestore';
import { addScalarCounts, boundWindow } from '../../core/telemetry-bounds';
import type { BatchOutcome, IngestAnswer, PendingBatch, TelemetryStore } from '../../ports';
import { createDocCache, type DocState } from './telemetry-doc-cache';
import { createShardLayouts, type Layout } from './telemetry-shards';
import { copyEntry, DEFAULT_RETENTION_MS, encodeEntry, minuteRef, shardOf, TELEMETRY_KEYS, TELEMETRY_USAGE, type InstallEntry, type Totals } from './telemetry-layout';

export interface FirestoreTelemetryOptions {
  /** Documents per release and minute for new minutes; default: chosen from load (telemetry-shards.ts). A minute keeps the count it was created with. */
  shards?: number;
  /** Upper bound of the count chosen from load (default 16). */
  maxShards?: number;
  /** The clock that tells minutes apart for the load figures (default Date.now). */
  now?: () => number;
  /** Aggregates are kept this long (TTL on expireAt; default 14 days). */
  retentionMs?: number;
  /** Told after each successful commit how many documents it wrote (benchmarks count writes here). */
  onCommit?: (stats: { documents: number; batches: number }) => void;
}

/** Key usage only serves the current minute's budget. */
const USAGE_RETENTION_MS = 24 * 3600_000;
/** A commit refused because another instance wrote first is rebuilt on a fresh read this many times. */
const MAX_ATTEMPTS = 8;
/** gRPC codes of a refused precondition: 5 not found, 6 already exists, 9 failed precondition, 10 aborted. */
const CONFLICT = new Set([5, 6, 9, 10]);

interface Touched {
  ref: DocumentReference;
  base: { platform: string; release: string; minute: number; shard: number; k: number };
  state: DocState;
  /** The totals and the histogram as this commit leaves them. */
  totals: Totals;
  latency: Record<string, number>;
  /** Install entries as this commit leaves them. */
  changed: Map<string, InstallEntry>;
  dirty: boolean;
}

/**
 * The aggregate store on Firestore. One commit is one atomic write over the minute documents its
 * batches touch, computed from this instance's view of their install entries (dedup markers,
 * per-install budgets and caps) and guarded by that view's update time, so no other writer can
 * have overtaken it; totals and histogram buckets are added with increments. A view it does not
 * hold (a new instance, another instance wrote) costs one read with a field mask on the installs
 * involved. Writes grow with (release, minute, shard) per commit, not with reports, and a batch
 * that was answered is in Firestore. Duplicates sent to two instances at once meet at the
 * precondition: one commit is refused, read again, and finds the other's marker.
 */
export function createFirestoreTelemetryStore(db: Firestore, options: FirestoreTelemetryOptions = {}): TelemetryStore {
  const retention = options.retentionMs ?? DEFAULT_RETENTION_MS;
  const cache = createDocCache(db);
  const layouts = createShardLayouts(db, options.now ?? Date.now, { ...(options.shards !== undefined ? { fixed: options.shards } : {}), ...(options.maxShards !== undefined ? { maxShards: options.maxShards } : {}) });

  // References of the documents written lately: building one (collection, doc, collection, doc)
  // cost more CPU per report than the rest of the commit's planning.
  const refs = new Map<string, DocumentReference>();
  function refOf(platform: PendingBatch['platform'], release: string, minute: number, shard: number): DocumentReference {
    const id = `${minute}_${shard}/${platform}/${release}`;
    let ref = refs.get(id);
    if (!ref) {
      if (refs.size >= 4096) refs.clear();
      refs.set(id, (ref = minuteRef(db, platform, release, minute, shard)));
    }
    return ref;
  }

  /** The document of a batch's install in one minute, under that minute's layout. */
  function refIn(layout: Map<string, Layout>, b: PendingBatch, minute: number): { ref: DocumentReference; shard: number; k: number } {
    const k = layout.get(layouts.key(b.platform, b.release, minute))!.shards;
    const shard = shardOf(b.installHash, k);
    return { ref: refOf(b.platform, b.release, minute, shard), shard, k };
  }

  function plan(batches: PendingBatch[], layout: Map<string, Layout>) {
    const wanted = new Map<string, { ref: DocumentReference; base: Touched['base']; installs: Set<string>; create: boolean }>();
    const want = (b: Pick<PendingBatch, 'platform' | 'release'>, minute: number, at: { ref: DocumentReference; shard: number; k: number }, create: boolean) => {
      let w = wanted.get(at.ref.path);
      if (!w) wanted.set(at.ref.path, (w = { ref: at.ref, base: { platform: b.platform, release: b.release, minute, shard: at.shard, k: at.k }, installs: new Set(), create }));
      return w;
    };
    for (const b of batches) {
      for (const minute of [b.markerMinute, ...b.windows.map((w) => w.minute)]) {
        const l = layout.get(layouts.key(b.platform, b.release, minute))!;
        // A minute nobody wrote yet: its shard 0 is created with the layout, whatever installs this commit holds.
        if (l.creating) want(b, minute, { ref: refOf(b.platform, b.release, minute, 0), shard: 0, k: l.shards }, true);
        want(b, minute, refIn(layout, b, minute), false).installs.add(b.installHash);
      }
    }
    return wanted;
  }

  function apply(batches: PendingBatch[], touched: Map<string, Touched>, layout: Map<string, Layout>, limits: Parameters<TelemetryStore['commit']>[2]): BatchOutcome[] {
    const entryOf = (doc: Touched, h: string): InstallEntry => {
      let entry = doc.changed.get(h);
      if (!entry) doc.changed.set(h, (entry = copyEntry(doc.state.entries.get(h))));
      return entry;
    };
    return batches.map((b): BatchOutcome => {
      const markerDoc = touched.get(refIn(layout, b, b.markerMinute).ref.path)!;
      const marker = entryOf(markerDoc, b.installHash);
      const first = marker.a[b.batchHash];
      if (first) return { kind: 'duplicate', answer: answerOf(first) };
      // Every window dropped: nothing to count and no marker to keep (a retry gets the same answer).
      if (b.windows.length === 0) return { kind: 'recorded', answer: b.answer };
      if (marker.n >= limits.batchesPerMinute) return { kind: 'over_budget', retryAfterSeconds: 60 };
      marker.n += 1;
      marker.a[b.batchHash] = [b.answer.accepted, b.answer.dropped, b.answer.sampleRate];
      markerDoc.dirty = true;
      for (const w of b.windows) {
        const doc = touched.get(refIn(layout, b, w.minute).ref.path)!;
        const entry = entryOf(doc, b.installHash);
        const bounded = boundWindow({ requests: entry.r, errors: entry.e, sessions: entry.s, crashes: entry.c }, w, limits);
        entry.r = bounded.after.requests;
        entry.e = bounded.after.errors;
        entry.s = bounded.after.sessions;
        entry.c = bounded.after.crashes;
        addScalarCounts(doc.totals, bounded.add);
        doc.totals.windows += 1;
        if (bounded.capped) doc.totals.cappedWindows += 1;
        for (const [bucket, count] of bounded.add.latency) doc.latency[`b${bucket}`] = (doc.latency[`b${bucket}`] ?? 0) + count;
        doc.dirty = true;
      }
      return { kind: 'recorded', answer: b.answer };
    });
  }

  /**
   * The document's fields for this commit: the whole document when it is new, else the totals,
   * the histogram and the changed entries (absolute values: the precondition says they were built
   * on the current document; increments on nested fields would also do, but the in-process test
   * server does not implement them).
   */
  function fieldsOf(doc: Touched): Record<string, unknown> {
    if (!doc.state.exists) {
      const installs: Record<string, string> = {};
      for (const [h, entry] of doc.changed) installs[h] = encodeEntry(entry);
      return { ...doc.base, expireAt: Timestamp.fromMillis(doc.base.minute + retention), t: doc.totals, l: doc.latency, i: installs };
    }
    const fields: Record<string, unknown> = { t: doc.totals, l: doc.latency };
    for (const [h, entry] of doc.changed) fields[`i.${h}`] = encodeEntry(entry);
    return fields;
  }

  return {
    // One lane per release: its shards go together in one commit (fewer, larger commits cost less
    // CPU and fewer writes than one commit per shard; measured with bench:ingest).
    lane: (b) => `${b.platform}/${b.release}`,

    async commit(batches, usage, limits) {
      const lane = `${batches[0]!.platform}/${batches[0]!.release}`;
      const minutes = batches.flatMap((b) => [b.markerMinute, ...b.windows.map((w) => w.minute)].map((minute) => ({ platform: b.platform, release: b.release, minute })));
      for (let attempt = 1; ; attempt++) {
        const layout = await layouts.resolve(minutes);
        const wanted = plan(batches, layout);
        for (const [path, w] of wanted) if (w.create) cache.absent(path);
        const states = await cache.load(wanted);
        const touched = new Map<string, Touched>();
        for (const [path, w] of wanted) touched.set(path, { ref: w.ref, base: w.base, state: states.get(path)!, totals: { ...states.get(path)!.totals }, latency: { ...states.get(path)!.latency }, changed: new Map(), dirty: false });
        const outcomes = apply(batches, touched, layout, limits);
        // A new minute's shard 0 carries its layout: it is created whenever the commit writes any shard of that minute.
        const written = new Set([...touched.values()].filter((d) => d.dirty).map((d) => layouts.key(d.base.platform, d.base.release, d.base.minute)));
        for (const [path, w] of wanted) if (w.create && written.has(layouts.key(w.base.platform, w.base.release, w.base.minute))) touched.get(path)!.dirty = true;
        const dirty = [...touched.values()].filter((d) => d.dirty);
        if (dirty.length === 0 && usage.length === 0) return outcomes;
        const batch = db.batch();
        for (const doc of dirty) {
          if (doc.state.exists) batch.update(doc.ref, fieldsOf(doc), { lastUpdateTime: doc.state.updateTime! });
          else batch.create(doc.ref, fieldsOf(doc));
        }
        for (const u of usage) {
          const ref = db.collection(TELEMETRY_KEYS).doc(u.keyId).collection(TELEMETRY_USAGE).doc(`${u.minute}_${u.instance}`);
          batch.set(ref, { minute: u.minute, instance: u.instance, reports: u.reports, expireAt: Timestamp.fromMillis(u.minute + USAGE_RETENTION_MS) });
        }
        let results;
        try {
          results = await batch.commit();
        } catch (error) {
          // Refused or unknown: either way this instance's view of these documents is no longer to be trusted.
          cache.forget(wanted.keys());
          const code = (error as { code?: unknown }).code;
          const conflict = typeof code === 'number' && CONFLICT.has(code);
          layouts.observe(lane, { conflict, batches: 0 });
          if (!conflict || attempt >= MAX_ATTEMPTS) throw error;
          await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
          continue;
        }
        layouts.observe(lane, { conflict: false, batches: batches.length });
        for (const [key, l] of layout) if (l.creating) layouts.created(key, l.shards);
        dirty.forEach((doc, k) => cache.written(doc.ref.path, results[k]!.writeTime, doc.totals, doc.latency, doc.changed));
        options.onCommit?.({ documents: dirty.length + usage.length, batches: batches.length });
        return outcomes;
      }
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
