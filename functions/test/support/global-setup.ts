import { startFirestoreServer } from './firestore-server';

/**
 * Gives every integration test a Firestore-protocol server: the official emulator when
 * FIRESTORE_EMULATOR_HOST already names one, otherwise @firestore-emulator/server in this process.
 * Workers inherit the environment variable; each test file then uses its own project id.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.FIRESTORE_EMULATOR_HOST) {
    process.env.CG_OFFICIAL_EMULATOR = '1';
    return;
  }
  const server = await startFirestoreServer();
  process.env.FIRESTORE_EMULATOR_HOST = server.host;
  (globalThis as Record<string, unknown>).__cgFirestoreServer = server;
}
