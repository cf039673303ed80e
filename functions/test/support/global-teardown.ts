import type { RunningFirestoreServer } from './firestore-server';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as Record<string, unknown>).__cgFirestoreServer as RunningFirestoreServer | undefined;
  server?.stop();
}
