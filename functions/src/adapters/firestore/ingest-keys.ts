import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import { z } from 'zod';
import { PLATFORMS } from '../../core/types';
import type { IngestKey, IngestKeyRead, IngestKeyStore } from '../../ports';
import { isAlreadyExists, isNotFound } from './errors';
import { formatSchemaError } from './schema-error';
import { TELEMETRY_KEYS } from './telemetry-layout';
import { timestampMs } from './values';

const KeyDoc = z.object({
  app: z.string(),
  platforms: z.array(z.enum(PLATFORMS)),
  origins: z.array(z.string()),
  appCheck: z.boolean(),
  revoked: z.boolean(),
  createdAt: timestampMs,
  revokedAt: timestampMs.optional(),
  reportsPerMinute: z.number().int().positive().optional(),
  sampleRate: z.number().gt(0).max(1).optional(),
});

function read(id: string, data: unknown): IngestKeyRead {
  const parsed = KeyDoc.safeParse(data);
  return parsed.success ? { ok: true, key: { id, ...parsed.data } } : { ok: false, id, error: formatSchemaError(parsed.error) };
}

/** Publishable ingest keys in `telemetry_keys/{id}` (the id is a hash of the key; the key is never stored). */
export function createFirestoreIngestKeyStore(db: Firestore): IngestKeyStore {
  const keys = db.collection(TELEMETRY_KEYS);
  return {
    async get(id) {
      const snap = await keys.doc(id).get();
      return snap.exists ? read(id, snap.data()) : null;
    },
    async list() {
      const snap = await keys.get();
      return snap.docs.map((d) => read(d.id, d.data()));
    },
    async create(key: IngestKey) {
      const { id, createdAt, revokedAt, ...rest } = key;
      try {
        await keys.doc(id).create({ ...rest, createdAt: Timestamp.fromMillis(createdAt), ...(revokedAt !== undefined ? { revokedAt: Timestamp.fromMillis(revokedAt) } : {}) });
        return true;
      } catch (error) {
        if (isAlreadyExists(error)) return false;
        throw error;
      }
    },
    async revoke(id, at) {
      try {
        await keys.doc(id).update({ revoked: true, revokedAt: Timestamp.fromMillis(at) });
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        throw error;
      }
    },
  };
}
