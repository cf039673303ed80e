import { createHash } from 'node:crypto';

/**
 * The hashing side of the tamper-evident audit trail (like CloudTrail log file integrity
 * validation): entry hashes, digest hashes and the chain check. Pure: the adapters turn stored
 * documents into the canonical values and instants used here.
 */

/** A stored time at full precision (Firestore keeps microseconds; ms would lose them). */
export interface Instant {
  seconds: number;
  nanos: number;
}

export function compareInstants(a: Instant, b: Instant): number {
  return a.seconds !== b.seconds ? a.seconds - b.seconds : a.nanos - b.nanos;
}

export function instantFromMs(ms: number): Instant {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

export function instantToIso(i: Instant): string {
  return `${new Date(i.seconds * 1000).toISOString().slice(0, 19)}.${String(i.nanos).padStart(9, '0')}Z`;
}

/**
 * Deterministic JSON: object keys sorted, no whitespace, numbers JSON cannot spell tagged as
 * `{"$number":"NaN"}`. Accepts only JSON-like data (the adapter tags vendor types first).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : `{"$number":"${String(value)}"}`;
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  throw new Error(`canonicalJson: cannot encode a ${typeof value}`);
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The hash of one entry: its id and every field it holds, so any edit, addition or removal shows. */
export function hashEntry(id: string, canonicalData: unknown): string {
  return sha256Hex(canonicalJson({ id, data: canonicalData }));
}

/** What a digest seals: the entries created in (from, to], and the previous digest's hash. */
export interface DigestBody {
  /** 1, 2, 3, ...: the document id is this number zero-padded (digestId). */
  seq: number;
  /** Hash of digest seq-1; null for the first. */
  prevHash: string | null;
  /** Exclusive lower bound: the previous digest's `to`; null for the first. */
  from: Instant | null;
  /** Inclusive upper bound of createdAt covered by this digest. */
  to: Instant;
  /** Every entry with createdAt in (from, to], oldest first. */
  entries: { id: string; hash: string }[];
  /** When the sealer ran, ms. */
  sealedAt: number;
}

export interface Digest extends DigestBody {
  hash: string;
}

export const DIGEST_HASH_VERSION = 1;

export function digestId(seq: number): string {
  return String(seq).padStart(10, '0');
}

export function hashDigest(body: DigestBody): string {
  const instant = (i: Instant | null) => (i ? `${i.seconds}.${String(i.nanos).padStart(9, '0')}` : null);
  return sha256Hex(
    canonicalJson({
      v: DIGEST_HASH_VERSION,
      seq: body.seq,
      prevHash: body.prevHash,
      from: instant(body.from),
      to: instant(body.to),
      entries: body.entries.map((e) => [e.id, e.hash]),
      sealedAt: body.sealedAt,
    }),
  );
}

/** The next digest of the chain after `prev` (null: the first digest). */
export function buildDigest(prev: Digest | null, entries: { id: string; hash: string }[], to: Instant, sealedAt: number): Digest {
  const body: DigestBody = { seq: (prev?.seq ?? 0) + 1, prevHash: prev?.hash ?? null, from: prev?.to ?? null, to, entries, sealedAt };
  return { ...body, hash: hashDigest(body) };
}
