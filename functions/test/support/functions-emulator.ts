import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../src/testing/firestore-server';

const FUNCTIONS_DIR = resolve(__dirname, '../..');
const REPO_ROOT = resolve(FUNCTIONS_DIR, '..');
export const EMULATOR_PROJECT = 'demo-canary-guardian';

export interface EmulatorRun {
  exitCode: number | null;
  output: string;
}

/**
 * Runs `firebase emulators:exec --only functions` (the real firebase-tools Functions emulator) on
 * the BUILT functions (lib/), in a throwaway project folder whose functions/ links to the real
 * lib/ and node_modules, so the deployable entry point itself is loaded and served. Secrets and
 * params go into .secret.local / .env.local there, as a developer would set them locally.
 * `script` runs once the emulator is ready; the base URL of the functions is in $FUNCTIONS_URL.
 */
export async function runInFunctionsEmulator(options: {
  script: string;
  secrets: Record<string, string>;
  params: Record<string, string>;
  env?: Record<string, string>;
  timeoutMs?: number;
}): Promise<EmulatorRun & { functionsUrl: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'cg-emulator-'));
  try {
    const fnDir = join(dir, 'functions');
    mkdirSync(fnDir);
    copyFileSync(join(FUNCTIONS_DIR, 'package.json'), join(fnDir, 'package.json'));
    symlinkSync(join(FUNCTIONS_DIR, 'lib'), join(fnDir, 'lib'));
    symlinkSync(join(FUNCTIONS_DIR, 'node_modules'), join(fnDir, 'node_modules'));
    const dotenv = (values: Record<string, string>) =>
      Object.entries(values)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join('\n') + '\n';
    writeFileSync(join(fnDir, '.secret.local'), dotenv(options.secrets));
    writeFileSync(join(fnDir, '.env.local'), dotenv(options.params));
    const [functionsPort, hubPort, loggingPort, eventarcPort, tasksPort] = await Promise.all([
      freePort(), freePort(), freePort(), freePort(), freePort(),
    ]);
    writeFileSync(
      join(dir, 'firebase.json'),
      JSON.stringify({
        functions: [{ source: 'functions', codebase: 'default', runtime: 'nodejs22' }],
        emulators: {
          functions: { host: '127.0.0.1', port: functionsPort },
          hub: { host: '127.0.0.1', port: hubPort },
          logging: { host: '127.0.0.1', port: loggingPort },
          eventarc: { host: '127.0.0.1', port: eventarcPort },
          tasks: { host: '127.0.0.1', port: tasksPort },
          ui: { enabled: false },
        },
      }),
    );
    writeFileSync(join(dir, '.firebaserc'), JSON.stringify({ projects: { default: EMULATOR_PROJECT } }));
    const scriptPath = join(dir, 'calls.sh');
    writeFileSync(scriptPath, `set -u\n${options.script}\n`);
    const functionsUrl = `http://127.0.0.1:${functionsPort}/${EMULATOR_PROJECT}/us-central1`;
    const firebaseBin = join(REPO_ROOT, 'node_modules', '.bin', 'firebase');
    const child = spawn(firebaseBin, ['emulators:exec', '--only', 'functions', '--project', EMULATOR_PROJECT, `bash ${scriptPath}`], {
      cwd: dir,
      // firebase-tools gives the entry point 10 s to load and describe its functions; on a loaded
      // 2-core CI machine that load alone took longer ("User code failed to load. Cannot determine
      // backend specification. Timeout after 10000"), so the emulator run allows a minute.
      env: { FUNCTIONS_DISCOVERY_TIMEOUT: '60', ...process.env, ...options.env, FUNCTIONS_URL: functionsUrl, CI: 'true', FIREBASE_CLI_DISABLE_UPDATE_CHECK: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timeout = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 200_000);
    const exitCode = await new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    clearTimeout(timeout);
    return { exitCode, output, functionsUrl };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
