import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative, resolve } from 'node:path';

/** Where the Google Cloud SDK installs the official Firestore emulator (Debian package layout). */
export const OFFICIAL_EMULATOR =
  process.env.CG_FIRESTORE_EMULATOR_BIN ?? '/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud_firestore_emulator';

export interface RunningOfficialEmulator {
  host: string;
  stop: () => void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function answers(host: string): Promise<boolean> {
  try {
    return (await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false;
  }
}

/**
 * Starts the official emulator on a free loopback port and waits until it answers. The process
 * group is killed on stop and on the test runner's exit, so a crashed run leaves no emulator behind.
 * Null when the emulator or Java is not installed on this machine.
 */
export async function startOfficialEmulator(): Promise<RunningOfficialEmulator | null> {
  if (process.env.CG_IN_PROCESS_FIRESTORE === '1' || !existsSync(OFFICIAL_EMULATOR)) return null;
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const child: ChildProcess = spawn(OFFICIAL_EMULATOR, ['start', '--host=127.0.0.1', `--port=${port}`], { detached: true, stdio: 'ignore' });
  let exited = false;
  child.once('exit', () => (exited = true));
  child.once('error', () => (exited = true));
  const stop = () => {
    try {
      if (child.pid && !exited) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', stop);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited) return null; // no Java, or the binary would not start: the in-process server serves instead
    if (await answers(host)) return { host, stop };
    await new Promise((r) => setTimeout(r, 250));
  }
  stop();
  return null;
}

/** Test files that prove something only the official emulator can (they skip themselves elsewhere). */
export function officialOnlyTestFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.test.ts') && /\bofficialEmulator\b/.test(readFileSync(path, 'utf8'))) found.push(relative(resolve(root), path));
    }
  };
  walk(resolve(root));
  return found.sort();
}
