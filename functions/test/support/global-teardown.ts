import type { RunningFirestoreServer } from './firestore-server';
import type { RunningOfficialEmulator } from './official-emulator';

export default async function globalTeardown(): Promise<void> {
  const g = globalThis as Record<string, unknown>;
  (g.__cgFirestoreServer as RunningFirestoreServer | undefined)?.stop();
  (g.__cgOfficialEmulator as RunningOfficialEmulator | undefined)?.stop();
}
