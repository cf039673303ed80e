import { startFirestoreServer } from './firestore-server';
import { officialOnlyTestFiles, startOfficialEmulator } from './official-emulator';
import { chromiumPath } from './browser';

/**
 * Gives every integration test a Firestore-protocol server: the official emulator when
 * FIRESTORE_EMULATOR_HOST already names one, else the official emulator started here when the
 * Google Cloud SDK's is installed, else @firestore-emulator/server in this process (which does not
 * isolate transactions nor honour preconditions: the tests that need them skip, and one line says
 * which). Workers inherit the environment variable; each test file then uses its own project id.
 */
export default async function globalSetup(): Promise<void> {
  // Google's auth libraries probe the GCE metadata server (169.254.169.254) when a client has no
  // credentials; the tests reach loopback only, so the probe is switched off for every worker.
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  if (!chromiumPath) process.stdout.write('\nBrowser: no chromium here (apt-get install chromium, or CHROMIUM_PATH): the browser tests are skipped\n');
  if (process.env.FIRESTORE_EMULATOR_HOST) {
    process.env.CG_OFFICIAL_EMULATOR = '1';
    return;
  }
  const official = await startOfficialEmulator();
  if (official) {
    process.env.FIRESTORE_EMULATOR_HOST = official.host;
    process.env.CG_OFFICIAL_EMULATOR = '1';
    (globalThis as Record<string, unknown>).__cgOfficialEmulator = official;
    process.stdout.write(`\nFirestore: the official emulator on ${official.host} (started for this run)\n`);
    return;
  }
  const server = await startFirestoreServer();
  process.env.FIRESTORE_EMULATOR_HOST = server.host;
  (globalThis as Record<string, unknown>).__cgFirestoreServer = server;
  const skipped = officialOnlyTestFiles(`${__dirname}/..`);
  process.stdout.write(
    `\nFirestore: the official emulator is not available here (not installed, or it would not start), so the in-process server serves; skipped, as they need real transactions, preconditions or rules: the official-emulator tests of ${skipped.join(', ')}\n`,
  );
}
