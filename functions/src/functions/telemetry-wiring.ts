import { randomUUID } from 'node:crypto';
import type { Firestore } from 'firebase-admin/firestore';
import { createFirestoreCanaryStore, createFirestoreIngestKeyStore, createFirestoreTelemetryStore } from '../adapters/firestore';
import { createIngest, type IngestDeps } from '../app/telemetry/ingest';
import { createKeyLookup } from '../app/telemetry/keys';
import type { TelemetryHttpDeps } from '../http/telemetry-deps';
import { type Clock } from '../ports';

/** Statuses whose release reports at sampleRate 1 (the canary population is never sampled). */
const LIVE = ['running', 'paused', 'promoting', 'rollback_requested', 'rolling_back'] as const;
const CANARY_CACHE_MS = 60_000;

/** `platform/release` of every live canary, read at most once a minute per instance. */
function canaryReleases(db: Firestore, clock: Clock): () => Promise<ReadonlySet<string>> {
  const canaries = createFirestoreCanaryStore(db);
  let cached: { at: number; set: Promise<ReadonlySet<string>> } | undefined;
  return () => {
    const now = clock.now();
    if (!cached || now - cached.at >= CANARY_CACHE_MS) {
      const set = canaries.list({ status: [...LIVE], limit: 500 }).then((reads) => new Set(reads.flatMap((r) => (r.ok ? [`${r.canary.platform}/${r.canary.release}`] : []))));
      cached = { at: now, set };
      set.catch(() => (cached = undefined));
    }
    return cached.set;
  };
}

export interface TelemetryWiringOptions {
  /** Fixed shards per release-minute; absent: chosen from contention. */
  shards?: number;
  retentionMs?: number;
  /** New installs per minute document before the next link of its chain takes them (default 4,000; tests use a few). */
  installsPerDocument?: number;
  verifyAppCheck: (token: string) => Promise<unknown>;
  /** Overrides for the use case (tests, the benchmark). */
  ingest?: Partial<Omit<IngestDeps, 'store' | 'clock'>>;
  onCommit?: (stats: { documents: number; batches: number }) => void;
}

/** The ingest app's collaborators on a Firestore instance: the deployed function and the local runner both use this. */
export function telemetryDeps(db: Firestore, clock: Clock, options: TelemetryWiringOptions): TelemetryHttpDeps {
  const store = createFirestoreTelemetryStore(db, {
    now: () => clock.now(),
    ...(options.shards !== undefined ? { shards: options.shards } : {}),
    ...(options.retentionMs !== undefined ? { retentionMs: options.retentionMs } : {}),
    ...(options.installsPerDocument !== undefined ? { installsPerDocument: options.installsPerDocument } : {}),
    ...(options.onCommit ? { onCommit: options.onCommit } : {}),
  });
  return {
    keys: createKeyLookup(createFirestoreIngestKeyStore(db), clock),
    ingest: createIngest({ store, clock, instance: randomUUID().slice(0, 12), canaryReleases: canaryReleases(db, clock), ...options.ingest }),
    verifyAppCheck: options.verifyAppCheck,
    clock,
  };
}
