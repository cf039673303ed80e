import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';

/** The local runner's settings, from the environment (documented in the README). */
export interface LocalOptions {
  port: number;
  tickMs: number;
  scenarioPath: string;
  apiKey: string;
  projectId: string;
  github: { token: string; apiUrl?: string; repository: string };
  /** A static OAuth access token for Play / Hosting (e.g. for local fakes or `gcloud auth print-access-token`). */
  googleAccessToken?: string;
  /** Application default credentials are available (GOOGLE_APPLICATION_CREDENTIALS). */
  googleAdc: boolean;
  playRootUrl?: string;
  hostingRootUrl?: string;
  /** Exit once the story's canaries are finished and the scenario is played out. */
  exitWhenDone: boolean;
  /** Give up waiting for the story after this long (ms) when exitWhenDone. */
  maxRunMs: number;
  /** Register the scenario's canary at start (off with --no-register). */
  register: boolean;
  /** Show the functions' structured INFO logs too (--verbose). */
  verbose: boolean;
  /** Record platform actions without sending them anywhere, even to the stand-ins (--dry-run). */
  dryRun: boolean;
  /** Simulated installs reporting telemetry (canary and previous release together). */
  installs: number;
  /** The canary's simulated installs stay healthy until "Break the canary" on /demo/ (--wait-for-break). */
  waitForBreak: boolean;
}

const REPO_ROOT = resolve(__dirname, '..', '..', '..', '..');

function int(name: string, fallback: number, env: NodeJS.ProcessEnv, min = 1): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

export function readLocalOptions(argv: string[], env: NodeJS.ProcessEnv): LocalOptions {
  const scenarioArg = argv.find((a) => !a.startsWith('--'));
  return {
    port: int('PORT', 8787, env, 0),
    tickMs: int('LOCAL_TICK_MS', 1000, env),
    // A relative path is the user's: npm runs scripts in functions/ but says where they stood (INIT_CWD).
    scenarioPath: resolve(env.INIT_CWD || process.cwd(), scenarioArg ?? env.LOCAL_SCENARIO ?? resolve(REPO_ROOT, 'examples', 'degrading-alpha.json')),
    apiKey: env.LOCAL_API_KEY || `local-${randomBytes(12).toString('hex')}`,
    projectId: env.GCLOUD_PROJECT || 'demo-canary-guardian',
    github: { token: env.GITHUB_TOKEN ?? '', apiUrl: env.GITHUB_API_URL || undefined, repository: env.DEFAULT_REPOSITORY || 'acme/app' },
    googleAccessToken: env.GOOGLE_ACCESS_TOKEN || undefined,
    googleAdc: Boolean(env.GOOGLE_APPLICATION_CREDENTIALS),
    playRootUrl: env.PLAY_ROOT_URL || undefined,
    hostingRootUrl: env.HOSTING_ROOT_URL || undefined,
    exitWhenDone: argv.includes('--exit-when-done'),
    maxRunMs: int('LOCAL_MAX_RUN_MS', 120_000, env),
    register: !argv.includes('--no-register'),
    verbose: argv.includes('--verbose'),
    dryRun: argv.includes('--dry-run'),
    installs: int('LOCAL_INSTALLS', 200, env, 2),
    waitForBreak: argv.includes('--wait-for-break'),
  };
}
