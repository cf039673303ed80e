import type { Digest, Instant } from '../core/audit-chain';
import type { EntryFingerprint } from '../core/audit-verify';

/** An audit entry as the sealer sees it: id, server createdAt and the hash of its stored content. */
export interface SealableEntry {
  id: string;
  createdAt: Instant;
  hash: string;
}

/** What the sealing job needs from the store. Only sealing is serialised; appends never touch this. */
export interface AuditSealStore {
  /**
   * The digest with the highest seq (null before the first seal), and the store's own time of that
   * read: the sealer never seals past it, whatever the local clock says.
   */
  head(): Promise<{ digest: Digest | null; storeTime: Instant }>;
  /** Entries with createdAt in (from, to] (from null: since the beginning), oldest first, at most `limit`. */
  entriesBetween(from: Instant | null, to: Instant, limit?: number): Promise<SealableEntry[]>;
  /** create() of the digest document; false when that seq exists (a concurrent sealer won). */
  createDigest(digest: Digest): Promise<boolean>;
}

/** Everything verification reads: every digest and a fingerprint of every entry. */
export interface AuditTrailSource {
  digests(): Promise<{ digests: Digest[]; malformed: { id: string; detail: string }[] }>;
  entries(): Promise<EntryFingerprint[]>;
}
