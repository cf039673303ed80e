import type { Firestore } from 'firebase-admin/firestore';
import type { ConfigStore } from '../../ports/canary-store';
import { toPlain } from './values';

/**
 * Raw `config/{name}` documents as plain data (Timestamps as ms); the caller validates them with
 * its own schema, so a bad document is reported where its meaning is known.
 */
export function createFirestoreConfigStore(db: Firestore): ConfigStore {
  return {
    async get(name) {
      const snap = await db.collection('config').doc(name).get();
      return snap.exists ? toPlain(snap.data()) : null;
    },
  };
}
