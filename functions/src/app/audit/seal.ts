import { buildDigest, compareInstants, instantFromMs, type Digest } from '../../core/audit-chain';
import type { AuditSealStore } from '../../ports/audit-seal';

export interface SealOptions {
  /** Only entries at least this old are sealed, so writes still in flight are never skipped. */
  lagMs?: number;
  /** Entries per digest document (a digest must stay well under Firestore's 1 MiB). */
  maxEntriesPerDigest?: number;
  maxDigestsPerRun?: number;
  /** With no new entries, still write an empty digest this often, so the sealed horizon keeps moving. */
  heartbeatMs?: number;
}

export type SealOutcome =
  | { status: 'sealed'; digests: { seq: number; entries: number; hash: string }[] }
  | { status: 'nothing_to_seal' }
  /** Another sealer created the next digest first; this run stops and the next one goes on. */
  | { status: 'raced'; digests: { seq: number; entries: number; hash: string }[] };

export const SEAL_DEFAULTS = { lagMs: 60_000, maxEntriesPerDigest: 2_000, maxDigestsPerRun: 20, heartbeatMs: 3_600_000 };

/**
 * Seals the entries created since the last digest into new digests, each holding the entries'
 * hashes and the previous digest's hash. Serialised by create() of digest seq N+1: of two
 * concurrent sealers one writes it, the other returns 'raced'. Safe to run again at any time.
 */
export async function sealAudit(store: AuditSealStore, now: number, options: SealOptions = {}): Promise<SealOutcome> {
  const o = { ...SEAL_DEFAULTS, ...options };
  const head = await store.head();
  // A local clock running ahead must not seal a horizon in the future: later entries would then
  // read as inserted into the sealed range. So the cutoff is the earlier of the two clocks.
  const local = instantFromMs(now - o.lagMs);
  const remote = instantFromMs(Math.floor(head.storeTime.seconds * 1000 + head.storeTime.nanos / 1e6) - o.lagMs);
  const cutoff = compareInstants(local, remote) <= 0 ? local : remote;
  let prev: Digest | null = head.digest;
  const written: { seq: number; entries: number; hash: string }[] = [];
  for (let run = 0; run < o.maxDigestsPerRun; run++) {
    if (prev && compareInstants(prev.to, cutoff) >= 0) break;
    const from = prev?.to ?? null;
    let batch = await store.entriesBetween(from, cutoff, o.maxEntriesPerDigest + 1);
    let to = cutoff;
    if (batch.length > o.maxEntriesPerDigest) {
      // Cut after the last full instant, taking every entry that shares it, so no instant is split
      // between two digests (the window bounds are instants, not entries).
      to = batch[o.maxEntriesPerDigest - 1].createdAt;
      const tied = compareInstants(batch[o.maxEntriesPerDigest].createdAt, to) === 0;
      batch = tied ? await store.entriesBetween(from, to) : batch.slice(0, o.maxEntriesPerDigest);
    }
    if (batch.length === 0 && (!prev || now - prev.sealedAt < o.heartbeatMs)) break;
    const digest = buildDigest(prev, batch.map(({ id, hash }) => ({ id, hash })), to, now);
    if (!(await store.createDigest(digest))) return { status: 'raced', digests: written };
    written.push({ seq: digest.seq, entries: batch.length, hash: digest.hash });
    prev = digest;
  }
  return written.length ? { status: 'sealed', digests: written } : { status: 'nothing_to_seal' };
}
