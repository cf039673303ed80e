import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

/** Where the Google Cloud SDK installs the official Firestore emulator (Debian package layout). */
export const OFFICIAL_EMULATOR =
  process.env.CG_FIRESTORE_EMULATOR_BIN ?? '/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud_firestore_emulator';

export interface RunningOfficialEmulator {
  host: string;
  /** The process group's leader (the SDK's launcher; Java runs under it). */
  pid: number;
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
 * Starts the official emulator on a free loopback port and waits until it answers (the tests and
 * bench:ingest use it). The process group is killed on stop and on this process's exit, so a crashed run leaves no emulator behind.
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
    if (await answers(host)) return { host, pid: child.pid!, stop };
    await new Promise((r) => setTimeout(r, 250));
  }
  stop();
  return null;
}
