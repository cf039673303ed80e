import { deleteApp, initializeApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import type { AuditProblem, AuditVerifyReport } from '../core/audit-verify';
import { escapeUnsafeText } from '../core/text';
import { verifyAuditTrail } from './audit-trail';

const USAGE = `usage: npm run audit:verify -- [--project ID] [--expect-head SEQ:HASH] [--json]
Checks the admin_audit digest chain and every entry against it, on the Firestore named by
FIRESTORE_EMULATOR_HOST or, without it, the real project (application default credentials).
Exits 0 when the trail is intact, 1 when a problem is found, 2 on a usage or connection error.`;

interface Args {
  project?: string;
  expectedHead?: { seq: number; hash: string };
  json: boolean;
}

export function parseArgs(argv: string[]): Args | { error: string } {
  const args: Args = { json: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--json') args.json = true;
    else if (flag === '--project' && argv[i + 1]) args.project = argv[++i];
    else if (flag === '--expect-head' && /^\d+:[0-9a-f]{64}$/.test(argv[i + 1] ?? '')) {
      const [seq, hash] = argv[++i].split(':');
      args.expectedHead = { seq: Number(seq), hash };
    } else return { error: `unexpected argument ${flag}` };
  }
  return args;
}

export function describeProblem(p: AuditProblem): string {
  switch (p.kind) {
    case 'entry_changed':
      return `entry ${p.entryId} was changed after digest ${p.seq} sealed it`;
    case 'entry_deleted':
      return `entry ${p.entryId} sealed by digest ${p.seq} is missing`;
    case 'entry_inserted':
      return `entry ${p.entryId} (createdAt ${p.createdAt}) is inside the sealed range but listed by no digest`;
    case 'entry_malformed':
      return `entry ${p.entryId}: ${p.detail}`;
    case 'entry_sealed_twice':
      return `entry ${p.entryId} is listed by digests ${p.seqs.join(', ')}`;
    case 'digest_missing':
      return `digest ${p.seq} is missing`;
    case 'digest_changed':
      return `digest ${p.seq} does not match its own hash`;
    case 'digest_malformed':
      return `digest document ${p.id} is malformed: ${p.detail}`;
    case 'chain_broken':
      return `chain broken at digest ${p.seq}: ${p.detail}`;
    default: {
      const exhaustive: never = p;
      return exhaustive;
    }
  }
}

export function summary(report: AuditVerifyReport): string {
  const head = report.head ? `head ${report.head.seq}:${report.head.hash} sealed to ${report.head.to}` : 'no digest yet';
  return `${report.ok ? 'audit trail intact' : `audit trail: ${report.problems.length} problem(s)`}: ${report.entries} entries, ${report.sealed} sealed in ${report.digests} digests, ${report.pending} pending; ${head}`;
}

/**
 * The command without the process around it: returns the exit code, writes through `out` / `err`
 * (tests call it with the test server's project id).
 */
export async function runAuditVerify(argv: string[], print: (line: string) => void, err: (line: string) => void): Promise<number> {
  // Entry ids and details come from the stored trail, which may hold anything: escape them (H13).
  const out = (line: string) => print(escapeUnsafeText(line));
  const args = parseArgs(argv);
  if ('error' in args) {
    err(`${args.error}\n${USAGE}`);
    return 2;
  }
  const projectId = args.project ?? process.env.GCLOUD_PROJECT ?? process.env.GOOGLE_CLOUD_PROJECT ?? (process.env.FIRESTORE_EMULATOR_HOST ? 'demo-canary-guardian' : undefined);
  if (!projectId) {
    err(`no project: pass --project ID\n${USAGE}`);
    return 2;
  }
  const app = initializeApp({ projectId }, `audit-verify-${projectId}-${Date.now()}`);
  try {
    const report = await verifyAuditTrail(getFirestore(app), { expectedHead: args.expectedHead });
    if (args.json) JSON.stringify(report, null, 2).split('\n').forEach((l) => out(l));
    else for (const p of report.problems) out(`PROBLEM ${describeProblem(p)}`);
    out(summary(report));
    return report.ok ? 0 : 1;
  } finally {
    await deleteApp(app);
  }
}

if (require.main === module) {
  runAuditVerify(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`), (line) => process.stderr.write(`${line}\n`)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`audit:verify failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(2);
    },
  );
}
