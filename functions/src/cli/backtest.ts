/**
 * npm run backtest -- --policy FILE [--days N] [--canary ID] [--project ID] [--json]: replays the
 * evaluations stored in Firestore over the last N days under the policy in force and under a
 * candidate policy file (an override of the shipped default, as `config/policy` is), and prints
 * side by side the rollbacks, pauses and promotions each makes and how many windows earlier or
 * later. Works against the Firestore named by FIRESTORE_EMULATOR_HOST or a real project
 * (application default credentials, --project ID). Bad arguments: one line, exit 2.
 */
import { resolve } from 'node:path';
import { deleteApp, initializeApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import { createFirestoreConfigStore, createFirestoreEvaluationHistory } from '../adapters/firestore';
import { formatBacktest, runBacktest } from '../app/backtest';
import { loadPolicyFile } from '../config/policy-file';
import type { Policy } from '../config/policy-schema';
import { escapeUnsafeText } from '../core/text';

const DAY = 86_400_000;
const USAGE = 'usage: npm run backtest -- --policy FILE [--days N] [--canary ID] [--project ID] [--json]';

export interface BacktestArgs {
  policyPath: string;
  days: number;
  canaryId?: string;
  project?: string;
  json: boolean;
}

export function parseBacktestArgs(argv: string[]): BacktestArgs | { error: string } {
  let policyPath: string | undefined;
  const args: Omit<BacktestArgs, 'policyPath'> = { days: 30, json: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (flag === '--json') args.json = true;
    else if (flag === '--policy' && value) (policyPath = value), i++;
    else if (flag === '--days' && /^\d{1,3}$/.test(value ?? '') && Number(value) >= 1 && Number(value) <= 400) (args.days = Number(value)), i++;
    // A Firestore document id: no slash, not . or .., at most 1,500 bytes.
    else if (flag === '--canary' && value && !value.includes('/') && value !== '.' && value !== '..' && Buffer.byteLength(value) <= 1500) (args.canaryId = value), i++;
    else if (flag === '--project' && value && /^[a-z0-9-]{4,40}$/.test(value)) (args.project = value), i++;
    else return { error: `${escapeUnsafeText(flag)}: ${flag.startsWith('--') ? 'missing or invalid value, or unknown option' : 'unexpected argument'}` };
  }
  if (!policyPath) return { error: '--policy FILE is required (the candidate policy)' };
  return { policyPath, ...args };
}

function fail(message: string, code = 2): never {
  process.stderr.write(`${escapeUnsafeText(message.replace(/[\r\n]+/g, ' '))}\n`);
  process.exit(code);
}

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const args = parseBacktestArgs(argv);
  if ('error' in args) fail(`backtest: ${args.error}\n${USAGE}`);
  // `npm --prefix functions run` runs us inside functions/: read the path as the user typed it.
  const loaded = loadPolicyFile(resolve(process.env.INIT_CWD ?? process.cwd(), args.policyPath));
  if (!loaded.ok) fail(`policy ${loaded.error}`);
  const candidate: Policy = loaded.policy;
  const projectId =
    args.project ?? process.env.GCLOUD_PROJECT ?? process.env.GOOGLE_CLOUD_PROJECT ?? (process.env.FIRESTORE_EMULATOR_HOST ? 'demo-canary-guardian' : undefined);
  if (!projectId) fail(`backtest: no project: pass --project ID or set FIRESTORE_EMULATOR_HOST\n${USAGE}`);
  const app = initializeApp({ projectId }, 'backtest');
  try {
    const db = getFirestore(app);
    const since = Date.now() - args.days * DAY;
    const report = await runBacktest(
      { history: createFirestoreEvaluationHistory(db), config: createFirestoreConfigStore(db) },
      { since, candidate, ...(args.canaryId !== undefined ? { canaryId: args.canaryId } : {}) },
    );
    if (args.json) process.stdout.write(`${escapeUnsafeText(JSON.stringify(report))}\n`);
    else for (const line of formatBacktest(report, { candidate: args.policyPath, days: args.days })) process.stdout.write(`${line}\n`);
  } finally {
    await deleteApp(app);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => fail(`backtest failed: ${err instanceof Error ? err.message : String(err)}`, 1));
}
