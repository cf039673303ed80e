import { FieldPath, type DocumentReference, type Firestore, type Timestamp } from 'firebase-admin/firestore';
import { decodeEntry, TotalsSchema, type InstallEntry, type Totals } from './telemetry-layout';

/**
 * What this instance knows of one minute document at one version: whether it exists, its update
 * time, its totals and histogram, and the install entries it has seen at that version (null:
 * known absent). `complete` when
 * this instance created the document and every write since is its own: then an install not in
 * `entries` is known absent.
 */
export interface DocState {
  exists: boolean;
  updateTime?: Timestamp;
  totals: Totals;
  latency: Record<string, number>;
  entries: Map<string, InstallEntry | null>;
  complete: boolean;
  /** Installs with an entry in the document (`count`; 0 where an earlier build did not keep it). */
  count: number;
  /** Closed to new installs (`full`): they go to the next link of its chain. Never reopened. */
  full: boolean;
}

/** Minute documents kept in memory per instance (least recently used go first; a miss is one read). */
const MAX_DOCS = 512;

/**
 * The instance's view of the minute documents it writes. A commit built on it is guarded by an
 * update-time precondition (or `create` when the document is known absent), so a view another
 * instance overtook makes the commit fail, never write a stale computation; the store then forgets
 * the document and reads it again.
 */
export function createDocCache(db: Firestore) {
  const docs = new Map<string, DocState>();

  function known(state: DocState | undefined, installs: Iterable<string>): boolean {
    if (!state) return false;
    for (const h of installs) if (!state.complete && !state.entries.has(h)) return false;
    return true;
  }

  return {
    /** The state of each document, read (one call, field mask on the installs named) where this instance does not know every install asked for. */
    async load(wanted: Map<string, { ref: DocumentReference; installs: Set<string> }>): Promise<Map<string, DocState>> {
      const missing = [...wanted.entries()].filter(([path, w]) => !known(docs.get(path), w.installs));
      if (missing.length > 0) {
        const installs = new Set(missing.flatMap(([, w]) => [...w.installs]));
        const snaps = await db.getAll(...missing.map(([, w]) => w.ref), {
          fieldMask: [new FieldPath('minute'), new FieldPath('t'), new FieldPath('l'), new FieldPath('count'), new FieldPath('full'), ...[...installs].map((h) => new FieldPath('i', h))],
        });
        snaps.forEach((snap, k) => {
          const [path, w] = missing[k]!;
          if (!snap.exists) return void docs.set(path, absentState());
          const old = docs.get(path);
          const totals = TotalsSchema.safeParse(snap.get('t') ?? {});
          const latency = snap.get('l') as unknown;
          const state: DocState =
            old?.exists && old.updateTime?.isEqual(snap.updateTime!)
              ? old
              : {
                  exists: true,
                  updateTime: snap.updateTime!,
                  totals: totals.success ? totals.data : TotalsSchema.parse({}),
                  latency: latency && typeof latency === 'object' ? { ...(latency as Record<string, number>) } : {},
                  entries: new Map(),
                  complete: false,
                  count: typeof snap.get('count') === 'number' ? (snap.get('count') as number) : 0,
                  full: snap.get('full') === true,
                };
          const stored = (snap.get('i') ?? {}) as Record<string, unknown>;
          for (const h of w.installs) {
            state.entries.set(h, stored[h] === undefined ? null : decodeEntry(stored[h]));
          }
          docs.set(path, state);
        });
      }
      const out = new Map<string, DocState>();
      for (const path of wanted.keys()) {
        const state = docs.get(path)!;
        // Least recently used order: touched documents move to the end.
        docs.delete(path);
        docs.set(path, state);
        out.set(path, state);
      }
      while (docs.size > MAX_DOCS) docs.delete(docs.keys().next().value!);
      return out;
    },
    /** This instance's commit wrote the document at `updateTime` with these totals, histogram and entries. */
    written(path: string, updateTime: Timestamp, totals: Totals, latency: Record<string, number>, entries: Map<string, InstallEntry>, link: { count: number; full: boolean }): void {
      const state = docs.get(path);
      if (!state) return;
      state.count = link.count;
      state.full = link.full;
      state.exists = true;
      state.updateTime = updateTime;
      state.totals = totals;
      state.latency = latency;
      for (const [h, e] of entries) state.entries.set(h, e);
    },
    /** The document is known absent (the layout read found shard 0 absent, or this commit creates the next link): no read for it; its state. */
    absent(path: string): DocState {
      const state = absentState();
      docs.delete(path);
      docs.set(path, state);
      return state;
    },
    /** The outcome of a write to these documents is unknown or was refused: read them again next time. */
    forget(paths: Iterable<string>): void {
      for (const path of paths) docs.delete(path);
    },
  };
}

export type DocCache = ReturnType<typeof createDocCache>;

function absentState(): DocState {
  return { exists: false, totals: TotalsSchema.parse({}), latency: {}, entries: new Map(), complete: true, count: 0, full: false };
}
