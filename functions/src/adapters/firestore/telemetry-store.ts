import { Timestamp, type DocumentReference, type Firestore } from 'firebase-admin/firestore';
import { addScalarCounts, boundWindow } from '../../core/telemetry-bounds';
import type { BatchOutcome, IngestAnswer, PendingBatch, TelemetryStore } from '../../ports';
import { createDocCache, type DocState } from './telemetry-doc-cache';
import { createShardLayouts, type Layout } from './telemetry-shards';
import { copyEntry, DEFAULT_RETENTION_MS, encodeEntry, minuteRef, shardOf, TELEMETRY_KEYS, TELEMETRY_USAGE, type InstallEntry, type Totals } from './telemetry-layout';

export interface FirestoreTelemetryOptions {
  /** Shards per release and minute for new minutes; default: chosen from contention (telemetry-shards.ts). A minute keeps the count it was created with. */
  shards?: number;
  /** Upper bound of the count chosen from contention (default 16). */
  maxShards?: number;
  /** The clock that tells minutes apart for the load figures (default Date.now). */
  now?: () => number;
  /** Aggregates are kept this long (TTL on expireAt; default 14 days). */
  retentionMs?: number;
  /** Told after each successful commit how many documents it wrote (benchmarks count writes here). */
  onCommit?: (stats: { documents: number; batches: number }) => void;
  /** New installs one document takes before it is closed and the next link of its chain takes them (default 4,000). */
  installsPerDocument?: number;
}

/**
 * Entries one document takes: an entry is ~55 bytes with one marker and at most ~250 with the six
 * markers an install may leave in a minute, so 4,000 stay under Firestore's 1 MiB whatever the
 * installs do afterwards.
 */
export const INSTALLS_PER_DOCUMENT = 4_000;
/** A chain longer than this is not walked (4,000 installs each: far beyond any release-minute). */
const MAX_LINKS = 1_000;

/** Key usage only serves the current minute's budget. */
const USAGE_RETENTION_MS = 24 * 3600_000;
/** A commit refused because another instance wrote first is rebuilt on a fresh read this many times. */
const MAX_ATTEMPTS = 8;
/** gRPC codes of a refused precondition: 5 not found, 6 already exists, 9 failed precondition, 10 aborted. */
const CONFLICT = new Set([5, 6, 9, 10]);

interface Touched {
  ref: DocumentReference;
  base: { platform: string; release: string; minute: number; shard: number; k: number; link: number };
  state: DocState;
  /** Installs new to the document that this commit gives an entry in it. */
  added: number;
  /** This commit closes the document to new installs. */
  closing: boolean;
  /** The totals and the histogram as this commit leaves them. */
  totals: Totals;
  latency: Record<string, number>;
  /** Install entries as this commit leaves them. */
  changed: Map<string, InstallEntry>;
  dirty: boolean;
}

/** A document as a commit starts from it: the state it was read (or created) at, nothing changed yet. */
function touchedDoc(ref: DocumentReference, base: Touched['base'], state: DocState): Touched {
  return { ref, base, state, totals: { ...state.totals }, latency: { ...state.latency }, changed: new Map(), dirty: false, added: 0, closing: false };
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
 *
 * A (release, minute, shard) is a chain of documents, "links", so that no minute outgrows 1 MiB
 * however many installs arrive in it: an install's entry lives in the link that was open when the
 * install first reported in that minute; a link that holds `installsPerDocument` installs is
 * closed (`full`, for good) by the commit that would overfill it, which creates the next link in
 * the same commit. A closed link never gains an install (a commit adding one was built on a view
 * where it was open, and its precondition fails once it closed), so an install absent from every
 * closed link it was looked up in is new, and goes to the open one.
 */
export function createFirestoreTelemetryStore(db: Firestore, options: FirestoreTelemetryOptions = {}): TelemetryStore {
  const retention = options.retentionMs ?? DEFAULT_RETENTION_MS;
  const capacity = Math.max(1, options.installsPerDocument ?? INSTALLS_PER_DOCUMENT);
  const cache = createDocCache(db);
  const layouts = createShardLayouts(db, options.now ?? Date.now, { ...(options.shards !== undefined ? { fixed: options.shards } : {}), ...(options.maxShards !== undefined ? { maxShards: options.maxShards } : {}) });

  // References of the documents written lately: building one (collection, doc, collection, doc)
  // cost more CPU per report than the rest of the commit's planning.
  const refs = new Map<string, DocumentReference>();
  function refOf(platform: PendingBatch['platform'], release: string, minute: number, shard: number, link: number): DocumentReference {
    const id = `${minute}_${shard}_${link}/${platform}/${release}`;
    let ref = refs.get(id);
    if (!ref) {
      if (refs.size >= 4096) refs.clear();
      refs.set(id, (ref = minuteRef(db, platform, release, minute, shard, link)));
    }
    return ref;
  }

  /** One install's place in one minute: its shard's chain, and (once looked up) the link holding its entry. */
  interface Slot {
    b: PendingBatch;
    minute: number;
    chain: string;
    shard: number;
    k: number;
    /** The link being looked at, then the one that holds the entry or the chain's open link. */
    link: number;
    found: boolean;
  }

  const pathOf = (slot: Pick<Slot, 'b' | 'minute' | 'shard' | 'link'>) => refOf(slot.b.platform, slot.b.release, slot.minute, slot.shard, slot.link).path;

  /** Where a batch's install goes in one minute under that minute's layout: its shard, the shard's chain, and the key of its slot. */
  function place(layout: Map<string, Layout>, b: PendingBatch, minute: number) {
    const l = layout.get(layouts.key(b.platform, b.release, minute))!;
    const shard = shardOf(b.installHash, l.shards);
    const chain = `${b.platform}/${b.release}/${minute}/${shard}`;
    return { l, shard, chain, key: `${chain}#${b.installHash}` };
  }

  /**
   * Looks every (install, minute) of the batches up along its chain: link 0 first, then the next
   * one while the install is not in a closed link. One read per step for the documents this
   * instance does not know (none when it wrote them alone).
   */
  async function locate(batches: PendingBatch[], layout: Map<string, Layout>) {
    const slots = new Map<string, Slot>();
    const creating = new Map<string, { ref: DocumentReference; base: Touched['base'] }>();
    for (const b of batches) {
      for (const minute of [b.markerMinute, ...b.windows.map((w) => w.minute)]) {
        const { l, shard, chain, key } = place(layout, b, minute);
        // A minute nobody wrote yet: its shard 0 is created with the layout, whatever installs this commit holds.
        if (l.creating) {
          const ref = refOf(b.platform, b.release, minute, 0, 0);
          creating.set(ref.path, { ref, base: { platform: b.platform, release: b.release, minute, shard: 0, k: l.shards, link: 0 } });
        }
        if (!slots.has(key)) slots.set(key, { b, minute, chain, shard, k: l.shards, link: 0, found: false });
      }
    }
    const states = new Map<string, DocState>();
    for (const path of creating.keys()) states.set(path, cache.absent(path));
    let open = [...slots.values()];
    for (let step = 0; open.length > 0; step++) {
      if (step >= MAX_LINKS) throw new Error(`telemetry: a minute's chain is longer than ${MAX_LINKS} documents`);
      const wanted = new Map<string, { ref: DocumentReference; installs: Set<string> }>();
      for (const slot of open) {
        const ref = refOf(slot.b.platform, slot.b.release, slot.minute, slot.shard, slot.link);
        let w = wanted.get(ref.path);
        if (!w) wanted.set(ref.path, (w = { ref, installs: new Set() }));
        w.installs.add(slot.b.installHash);
      }
      for (const [path, state] of await cache.load(wanted)) states.set(path, state);
      open = open.filter((slot) => {
        const state = states.get(pathOf(slot))!;
        if (state.exists && state.entries.get(slot.b.installHash)) return !(slot.found = true);
        if (!state.exists || !state.full) return false; // new to the minute: the chain's open link takes it
        slot.link += 1;
        return true;
      });
    }
    return { slots, states, creating };
  }

  function apply(batches: PendingBatch[], layout: Map<string, Layout>, located: Awaited<ReturnType<typeof locate>>, touched: Map<string, Touched>, limits: Parameters<TelemetryStore['commit']>[2]): BatchOutcome[] {
    const touch = (ref: DocumentReference, base: Touched['base']): Touched => {
      let doc = touched.get(ref.path);
      if (!doc) touched.set(ref.path, (doc = touchedDoc(ref, base, located.states.get(ref.path)!)));
      return doc;
    };
    /** The chain's open link as this commit leaves it (a link it closed hands over to the next one, which it creates). */
    const tails = new Map<string, Touched>();
    const placed = new Map<string, Touched>();
    /** The install has no entry in the minute yet, stored or given by this commit. */
    const isNew = (b: PendingBatch, minute: number) => {
      const { key } = place(layout, b, minute);
      return !placed.has(key) && !located.slots.get(key)!.found;
    };
    const docFor = (b: PendingBatch, minute: number): Touched => {
      const { key } = place(layout, b, minute);
      const known = placed.get(key);
      if (known) return known;
      const slot = located.slots.get(key)!;
      const base = { platform: b.platform, release: b.release, minute, shard: slot.shard, k: slot.k, link: slot.link };
      let doc = touch(refOf(b.platform, b.release, minute, slot.shard, slot.link), base);
      if (!slot.found) {
        doc = tails.get(slot.chain) ?? doc;
        while (doc.closing || doc.state.full || doc.state.count + doc.added >= capacity) {
          if (!doc.closing && !doc.state.full) ((doc.closing = true), (doc.dirty = true));
          const ref = refOf(b.platform, b.release, minute, slot.shard, doc.base.link + 1);
          located.states.set(ref.path, cache.absent(ref.path));
          doc = touch(ref, { ...base, link: doc.base.link + 1 });
        }
        tails.set(slot.chain, doc);
        doc.added += 1;
      }
      placed.set(key, doc);
      return doc;
    };
    const entryOf = (doc: Touched, h: string): InstallEntry => {
      let entry = doc.changed.get(h);
      if (!entry) doc.changed.set(h, (entry = copyEntry(doc.state.entries.get(h))));
      return entry;
    };
    return batches.map((b): BatchOutcome => {
      // Every window dropped from an install new to the minute: no marker can exist, and none is
      // kept (a retry gets the same answer), so it takes no entry in a link either.
      if (b.windows.length === 0 && isNew(b, b.markerMinute)) return { kind: 'recorded', answer: b.answer };
      const markerDoc = docFor(b, b.markerMinute);
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
        const doc = docFor(b, w.minute);
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
      return { ...doc.base, expireAt: Timestamp.fromMillis(doc.base.minute + retention), t: doc.totals, l: doc.latency, i: installs, count: doc.added, ...(doc.closing ? { full: true } : {}) };
    }
    const fields: Record<string, unknown> = { t: doc.totals, l: doc.latency };
    for (const [h, entry] of doc.changed) fields[`i.${h}`] = encodeEntry(entry);
    if (doc.added > 0) fields.count = doc.state.count + doc.added;
    if (doc.closing) fields.full = true;
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
        const located = await locate(batches, layout);
        const touched = new Map<string, Touched>();
        const outcomes = apply(batches, layout, located, touched, limits);
        // A new minute's shard 0 carries its layout: it is created whenever the commit writes any shard of that minute.
        const written = new Set([...touched.values()].filter((d) => d.dirty).map((d) => layouts.key(d.base.platform, d.base.release, d.base.minute)));
        for (const [path, c] of located.creating) {
          if (!written.has(layouts.key(c.base.platform, c.base.release, c.base.minute))) continue;
          let doc = touched.get(path);
          if (!doc) touched.set(path, (doc = touchedDoc(c.ref, c.base, located.states.get(path)!)));
          doc.dirty = true;
        }
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
          cache.forget([...located.states.keys(), ...touched.keys()]);
          const code = (error as { code?: unknown }).code;
          const conflict = typeof code === 'number' && CONFLICT.has(code);
          layouts.observe(lane, { conflict });
          if (!conflict || attempt >= MAX_ATTEMPTS) throw error;
          await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
          continue;
        }
        layouts.observe(lane, { conflict: false });
        for (const [key, l] of layout) if (l.creating) layouts.created(key, l.shards);
        dirty.forEach((doc, k) => cache.written(doc.ref.path, results[k]!.writeTime, doc.totals, doc.latency, doc.changed, { count: doc.state.count + doc.added, full: doc.state.full || doc.closing }));
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
