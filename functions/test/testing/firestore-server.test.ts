import { deleteApp, initializeApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import { startFirestoreServer } from '../../src/testing/firestore-server';

/**
 * The in-process server `npm start` uses when no emulator is named. firebase-admin reads
 * FIRESTORE_EMULATOR_HOST when the Firestore instance is first used, so the variable is swapped
 * around that first use only.
 */
describe('the in-process Firestore server', () => {
  it('filters on a nested field (the evaluation asks for canaries whose mttrMissed.open is true)', async () => {
    const server = await startFirestoreServer();
    const saved = process.env.FIRESTORE_EMULATOR_HOST;
    process.env.FIRESTORE_EMULATOR_HOST = server.host;
    const app = initializeApp({ projectId: 'demo-in-process-nested' }, 'in-process-nested');
    try {
      const db = getFirestore(app);
      await db.doc('canaries/a').set({ mttrMissed: { open: true, minutes: 40 } });
      await db.doc('canaries/b').set({ mttrMissed: { open: false } });
      await db.doc('canaries/c').set({ status: 'running' });
      process.env.FIRESTORE_EMULATOR_HOST = saved;
      const snap = await db.collection('canaries').where('mttrMissed.open', '==', true).get();
      expect(snap.docs.map((d) => d.id)).toEqual(['a']);
      // Top-level filters are unchanged.
      expect((await db.collection('canaries').where('status', '==', 'running').get()).docs.map((d) => d.id)).toEqual(['c']);
    } finally {
      process.env.FIRESTORE_EMULATOR_HOST = saved;
      await deleteApp(app);
      server.stop();
    }
  });
});
