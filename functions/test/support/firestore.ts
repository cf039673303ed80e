import { randomBytes } from 'node:crypto';
import { deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';

/** True when the tests run against the official emulator (rules and transactions behave as in production). */
export const officialEmulator = process.env.CG_OFFICIAL_EMULATOR === '1';

/**
 * A Firestore client on a project id of its own, so test files running in parallel never see each
 * other's documents. Call `close()` in afterAll.
 */
export function testFirestore(label: string): { db: Firestore; projectId: string; close: () => Promise<void> } {
  if (!process.env.FIRESTORE_EMULATOR_HOST) throw new Error('FIRESTORE_EMULATOR_HOST is not set: jest globalSetup did not run');
  const projectId = `demo-${label.toLowerCase().replace(/[^a-z0-9]/g, '-').slice(0, 12)}-${randomBytes(4).toString('hex')}`;
  const app: App = initializeApp({ projectId }, projectId);
  const db = getFirestore(app);
  return { db, projectId, close: () => deleteApp(app) };
}
