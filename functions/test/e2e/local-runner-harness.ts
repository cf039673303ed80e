import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const FUNCTIONS_DIR = resolve(__dirname, '../..');
export const STORY = resolve(FUNCTIONS_DIR, '../examples/degrading-alpha.json');

export interface RunningLocalRunner {
  baseUrl: string;
  output: () => string;
  exited: Promise<number | null>;
  stop: () => Promise<void>;
}

/** Starts the built local runner (lib/) as a child process and waits for its whole banner. */
export async function startLocalRunner(args: string[], env: Record<string, string>): Promise<RunningLocalRunner> {
  const child: ChildProcess = spawn(process.execPath, ['lib/cli/run-local.js', ...args], { cwd: FUNCTIONS_DIR, env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const deadline = Date.now() + 30_000;
  // The banner's last line: the banner reaches the pipe in more than one chunk, and a test reads its lines.
  while (!/API listening on (\S+)/.test(output) || !output.includes('npm run audit:verify')) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGINT');
      throw new Error(`runner did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    baseUrl: /API listening on (\S+)/.exec(output)![1]!,
    output: () => output,
    exited,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}
