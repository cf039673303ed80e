import { FieldPath, type Firestore } from 'firebase-admin/firestore';
import type { Platform } from '../../core/types';
import { minuteRef } from './telemetry-layout';

/** Minutes written before the shard count was recorded in their documents used the fixed default. */
export const LEGACY_SHARDS = 4;
/** Upper bound of the shard count chosen from contention. */
export const DEFAULT_MAX_SHARDS = 16;
/** Share of an instance's commits on a release refused by another writer above which the next minutes get twice the shards. */
const CONTENDED = 0.1;
const MAX_KNOWN = 4_096;

export interface ShardChoice {
  /** Fixed shard count for new minutes; undefined: chosen from contention. */
  fixed?: number;
  maxShards?: number;
}

interface LaneLoad {
  minute: number;
  commits: number;
  conflicts: number;
  /** Shards this instance asks for while contention lasts (doubles on contention, halves without). */
  level: number;
}

export interface Layout {
  shards: number;
  /** Nobody has written this minute yet: the commit creates its shard 0 with `shards`, and fails if another writer did first. */
  creating: boolean;
}

/**
 * How many documents each (release, minute) is split over. The count is fixed when the minute's
 * shard 0 is created (field `k`, with a create precondition, so two instances cannot fix two
 * counts) and never changes: an install's shard, where its dedup markers and caps live, stays the
 * same for every instance and every retry. The creator picks the count from contention: doubled
 * while its commits on the release are refused by other writers, one without. The number of
 * installs does not raise it: a shard's chain of links takes any number of them (telemetry-store),
 * and one shard keeps a busy instance's commit to one document where S shards made it write S.
 */
export function createShardLayouts(db: Firestore, clock: () => number, choice: ShardChoice = {}) {
  const known = new Map<string, number>();
  const lanes = new Map<string, LaneLoad>();
  const max = Math.max(1, choice.maxShards ?? DEFAULT_MAX_SHARDS);
  const keyOf = (platform: string, release: string, minute: number) => `${platform}/${release}/${minute}`;

  function load(lane: string): LaneLoad {
    const minute = Math.floor(clock() / 60_000) * 60_000;
    let l = lanes.get(lane);
    if (!l) {
      lanes.set(lane, (l = { minute, commits: 0, conflicts: 0, level: 1 }));
      // Releases are named by the reports (any string): the figures of the least recently started ones go first.
      if (lanes.size > MAX_KNOWN) lanes.delete(lanes.keys().next().value!);
    }
    if (l.minute !== minute) {
      const ratio = l.commits === 0 ? 0 : l.conflicts / l.commits;
      l.level = ratio > CONTENDED ? Math.min(max, l.level * 2) : ratio === 0 ? Math.max(1, Math.floor(l.level / 2)) : l.level;
      Object.assign(l, { minute, commits: 0, conflicts: 0 });
    }
    return l;
  }

  function desired(lane: string): number {
    if (choice.fixed !== undefined) return choice.fixed;
    return Math.min(max, load(lane).level);
  }

  return {
    /** The layout of each minute, read (shard 0's `k` only) where this instance does not know it yet. */
    async resolve(minutes: { platform: Platform; release: string; minute: number }[]): Promise<Map<string, Layout>> {
      const out = new Map<string, Layout>();
      const unknown = minutes.filter((m) => {
        const k = known.get(keyOf(m.platform, m.release, m.minute));
        if (k !== undefined) out.set(keyOf(m.platform, m.release, m.minute), { shards: k, creating: false });
        return k === undefined && !out.has(keyOf(m.platform, m.release, m.minute));
      });
      const unique = [...new Map(unknown.map((m) => [keyOf(m.platform, m.release, m.minute), m])).values()];
      if (unique.length === 0) return out;
      const snaps = await db.getAll(...unique.map((m) => minuteRef(db, m.platform, m.release, m.minute, 0)), { fieldMask: [new FieldPath('k')] });
      snaps.forEach((snap, i) => {
        const m = unique[i]!;
        const key = keyOf(m.platform, m.release, m.minute);
        if (!snap.exists) return void out.set(key, { shards: desired(`${m.platform}/${m.release}`), creating: true });
        const k = snap.get('k') as unknown;
        const shards = typeof k === 'number' && Number.isInteger(k) && k >= 1 && k <= 1024 ? k : LEGACY_SHARDS;
        remember(key, shards);
        out.set(key, { shards, creating: false });
      });
      return out;
    },
    key: keyOf,
    /** This instance's commit created the minute with this layout (or learnt it). */
    created(key: string, shards: number): void {
      remember(key, shards);
    },
    /** A commit on the release, refused by another writer or not. */
    observe(lane: string, outcome: { conflict: boolean }): void {
      const l = load(lane);
      l.commits += 1;
      if (outcome.conflict) l.conflicts += 1;
    },
  };

  function remember(key: string, shards: number): void {
    known.delete(key);
    known.set(key, shards);
    if (known.size > MAX_KNOWN) known.delete(known.keys().next().value!);
  }
}

export type ShardLayouts = ReturnType<typeof createShardLayouts>;
