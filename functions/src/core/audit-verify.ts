import { compareInstants, hashDigest, instantToIso, type Digest, type Instant } from './audit-chain';

/** An entry as found at verification time: its id, createdAt (null if missing or not a time) and current hash. */
export interface EntryFingerprint {
  id: string;
  createdAt: Instant | null;
  hash: string;
}

export type AuditProblem =
  | { kind: 'entry_changed'; entryId: string; seq: number }
  | { kind: 'entry_deleted'; entryId: string; seq: number }
  | { kind: 'entry_inserted'; entryId: string; createdAt: string }
  | { kind: 'entry_malformed'; entryId: string; detail: string }
  | { kind: 'entry_sealed_twice'; entryId: string; seqs: number[] }
  | { kind: 'digest_missing'; seq: number }
  | { kind: 'digest_changed'; seq: number }
  | { kind: 'digest_malformed'; id: string; detail: string }
  | { kind: 'chain_broken'; seq: number; detail: string };

/** The outcome of a verification: `ok` only when there is no problem at all. */
export interface AuditVerifyReport {
  ok: boolean;
  digests: number;
  entries: number;
  sealed: number;
  /** Entries newer than the last seal: not yet covered, not a problem. */
  pending: number;
  head: { seq: number; hash: string; to: string } | null;
  problems: AuditProblem[];
}

/**
 * Checks the digest chain and every entry against it. Finds: a digest changed, missing or out of
 * chain; an entry changed or deleted after sealing; an entry at or before the last seal's upper
 * bound that no digest lists (inserted after sealing). Truncating the newest digests is what a
 * chain cannot show on its own: compare `head` with the hash the sealer logged (`expectedHead`).
 */
export function verifyChain(
  digests: Digest[],
  entries: EntryFingerprint[],
  extra: { malformedDigests?: { id: string; detail: string }[]; expectedHead?: { seq: number; hash: string } } = {},
): AuditVerifyReport {
  const problems: AuditProblem[] = (extra.malformedDigests ?? []).map((m) => ({ kind: 'digest_malformed' as const, ...m }));
  const sorted = [...digests].sort((a, b) => a.seq - b.seq);
  let prev: Digest | null = null;
  let expectedSeq = 1;
  for (const d of sorted) {
    for (; expectedSeq < d.seq; expectedSeq++) problems.push({ kind: 'digest_missing', seq: expectedSeq });
    expectedSeq = d.seq + 1;
    if (hashDigest(d) !== d.hash) problems.push({ kind: 'digest_changed', seq: d.seq });
    if (d.seq === 1) {
      if (d.prevHash !== null || d.from !== null) problems.push({ kind: 'chain_broken', seq: 1, detail: 'the first digest must start the chain' });
    } else if (prev?.seq === d.seq - 1) {
      if (d.prevHash !== prev.hash) {
        problems.push({ kind: 'chain_broken', seq: d.seq, detail: `prevHash does not match digest ${prev.seq}` });
      } else if (!d.from || compareInstants(d.from, prev.to) !== 0) {
        problems.push({ kind: 'chain_broken', seq: d.seq, detail: `starts at ${d.from ? instantToIso(d.from) : 'the beginning'}, digest ${prev.seq} ended at ${instantToIso(prev.to)}` });
      }
    }
    prev = d;
  }
  const head = sorted.at(-1) ?? null;
  if (extra.expectedHead && !sorted.some((d) => d.seq === extra.expectedHead!.seq && d.hash === extra.expectedHead!.hash)) {
    problems.push({ kind: 'chain_broken', seq: extra.expectedHead.seq, detail: `expected head ${extra.expectedHead.hash} not found` });
  }

  const sealedIn = new Map<string, { seq: number; hash: string }[]>();
  for (const d of sorted) for (const e of d.entries) sealedIn.set(e.id, [...(sealedIn.get(e.id) ?? []), { seq: d.seq, hash: e.hash }]);
  const found = new Map(entries.map((e) => [e.id, e]));
  for (const [entryId, seals] of sealedIn) {
    if (seals.length > 1) problems.push({ kind: 'entry_sealed_twice', entryId, seqs: seals.map((s) => s.seq) });
    const entry = found.get(entryId);
    if (!entry) problems.push({ kind: 'entry_deleted', entryId, seq: seals[0].seq });
    else if (entry.hash !== seals[0].hash) problems.push({ kind: 'entry_changed', entryId, seq: seals[0].seq });
  }
  let pending = 0;
  for (const entry of entries) {
    if (sealedIn.has(entry.id)) continue;
    if (!entry.createdAt) problems.push({ kind: 'entry_malformed', entryId: entry.id, detail: 'createdAt is missing or not a timestamp' });
    else if (head && compareInstants(entry.createdAt, head.to) <= 0) problems.push({ kind: 'entry_inserted', entryId: entry.id, createdAt: instantToIso(entry.createdAt) });
    else pending++;
  }
  return {
    ok: problems.length === 0,
    digests: sorted.length,
    entries: entries.length,
    sealed: sealedIn.size,
    pending,
    head: head ? { seq: head.seq, hash: head.hash, to: instantToIso(head.to) } : null,
    problems,
  };
}
