import { Timestamp, type Firestore, type QueryDocumentSnapshot } from 'firebase-admin/firestore';
import { z } from 'zod';
import { digestId, type Digest } from '../../core/audit-chain';
import type { EntryFingerprint } from '../../core/audit-verify';
import type { AuditSealStore, AuditTrailSource } from '../../ports/audit-seal';
import { AUDIT_COLLECTION } from './audit-log';
import { fromInstant, hashAuditDocument, toInstant } from './audit-canonical';
import { isAlreadyExists } from './errors';
import { buildQuery } from './queries';
import { formatSchemaError } from './schema-error';

export const DIGEST_COLLECTION = 'admin_audit_digests';

const timestamp = z.custom<Timestamp>((v) => v instanceof Timestamp, { error: 'expected a Firestore Timestamp' });

/** `admin_audit_digests/{seq zero-padded to 10}`: one link of the chain. */
const digestDocSchema = z.object({
  seq: z.number().int().min(1),
  prevHash: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  from: timestamp.nullable(),
  to: timestamp,
  entries: z.array(z.object({ id: z.string().min(1), hash: z.string().regex(/^[0-9a-f]{64}$/) })),
  count: z.number().int().min(0),
  sealedAt: timestamp,
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});

function digestFromDoc(id: string, data: unknown): { ok: true; digest: Digest } | { ok: false; detail: string } {
  const parsed = digestDocSchema.safeParse(data);
  if (!parsed.success) return { ok: false, detail: formatSchemaError(parsed.error) };
  const d = parsed.data;
  if (id !== digestId(d.seq)) return { ok: false, detail: `document id does not match seq ${d.seq}` };
  return {
    ok: true,
    digest: { seq: d.seq, prevHash: d.prevHash, from: d.from && toInstant(d.from), to: toInstant(d.to), entries: d.entries, sealedAt: d.sealedAt.toMillis(), hash: d.hash },
  };
}

/**
 * The sealing job's and the verifier's view of Firestore: digests in their own collection, written
 * once each with create(); entries read, never written.
 */
export function createFirestoreAuditSealStore(db: Firestore): AuditSealStore & AuditTrailSource {
  const entries = db.collection(AUDIT_COLLECTION);
  const digests = db.collection(DIGEST_COLLECTION);

  return {
    async head() {
      const snap = await buildQuery(digests, 'digestsNewest', { limit: 1 }).get();
      const storeTime = toInstant(snap.readTime);
      if (snap.empty) return { digest: null, storeTime };
      const read = digestFromDoc(snap.docs[0].id, snap.docs[0].data());
      // Sealing on top of a damaged head would hide the damage: stop, and let audit:verify say why.
      if (!read.ok) throw new Error(`${DIGEST_COLLECTION}/${snap.docs[0].id} is malformed: ${read.detail}`);
      return { digest: read.digest, storeTime };
    },

    async entriesBetween(from, to, limit) {
      const range = [
        ...(from ? [{ op: '>' as const, value: fromInstant(from) }] : []),
        { op: '<=' as const, value: fromInstant(to) },
      ];
      const snap = await buildQuery(entries, 'auditSealWindow', { range, limit }).get();
      return snap.docs.map((doc) => ({ id: doc.id, createdAt: toInstant(doc.get('createdAt') as Timestamp), hash: hashAuditDocument(doc.id, doc.data()) }));
    },

    async createDigest(digest) {
      try {
        await digests.doc(digestId(digest.seq)).create({
          seq: digest.seq,
          prevHash: digest.prevHash,
          from: digest.from && fromInstant(digest.from),
          to: fromInstant(digest.to),
          entries: digest.entries,
          count: digest.entries.length,
          sealedAt: Timestamp.fromMillis(digest.sealedAt),
          hash: digest.hash,
        });
        return true;
      } catch (error) {
        if (isAlreadyExists(error)) return false;
        throw error;
      }
    },

    async digests() {
      const snap = await digests.get();
      const out: Digest[] = [];
      const malformed: { id: string; detail: string }[] = [];
      for (const doc of snap.docs) {
        const read = digestFromDoc(doc.id, doc.data());
        if (read.ok) out.push(read.digest);
        else malformed.push({ id: doc.id, detail: read.detail });
      }
      return { digests: out, malformed };
    },

    async entries() {
      const out: EntryFingerprint[] = [];
      // Streamed: only the fingerprints are kept, whatever the size of the trail.
      for await (const doc of entries.stream() as AsyncIterable<QueryDocumentSnapshot>) {
        const createdAt = doc.get('createdAt') as unknown;
        out.push({ id: doc.id, createdAt: createdAt instanceof Timestamp ? toInstant(createdAt) : null, hash: hashAuditDocument(doc.id, doc.data()) });
      }
      return out;
    },
  };
}
