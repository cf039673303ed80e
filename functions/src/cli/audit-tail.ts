/**
 * npm run audit:tail — follows the admin_audit trail in a terminal: the newest entries, then each
 * new one as it is written, one line each, until Ctrl-C. Works against the Firestore named by
 * FIRESTORE_EMULATOR_HOST (the local runner prints its address) or a real project (application
 * default credentials, --project ID).
 */
import { deleteApp, initializeApp } from 'firebase-admin/app';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';
import { AUDIT_COLLECTION } from '../adapters/firestore';
import { escapeUnsafeText } from '../core/text';

const USAGE = `usage: npm run audit:tail -- [--project ID] [--limit N] [--once]
Prints the newest N admin_audit entries (default 20), oldest first, then follows new ones.
--once prints them and exits.`;

interface Args {
  project?: string;
  limit: number;
  once: boolean;
}

export function parseTailArgs(argv: string[]): Args | { error: string } {
  const args: Args = { limit: 20, once: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--once') args.once = true;
    else if (flag === '--project' && argv[i + 1]) args.project = argv[++i];
    else if (flag === '--limit' && /^\d{1,4}$/.test(argv[i + 1] ?? '') && Number(argv[i + 1]) > 0) args.limit = Number(argv[++i]);
    else return { error: `unexpected argument ${flag}` };
  }
  return args;
}

/**
 * One entry, one line: what an admin scanning the trail needs, meta as JSON. Every control, bidi
 * and line-separator character is escaped (H13): an entry written by hand in the console or by an
 * older version can hold anything, and must not rewrite the admin's terminal.
 */
export function formatEntry(data: Record<string, unknown>): string {
  const ts = typeof data.ts === 'number' && Number.isFinite(data.ts) && Math.abs(data.ts) <= 8.64e15 ? new Date(data.ts).toISOString() : 'no-ts';
  const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v) ?? String(v));
  let meta: string;
  try {
    meta = JSON.stringify(data.meta ?? {});
  } catch {
    meta = '[meta not printable]';
  }
  return escapeUnsafeText(`${ts}  ${text(data.action)}  by ${text(data.actorUid)}  on ${text(data.targetId)}  ${meta}`);
}

/**
 * Prints the newest entries and, unless `once`, every entry added after; resolves with a stop
 * function once the first snapshot is printed.
 */
export async function tailAudit(db: Firestore, args: Pick<Args, 'limit' | 'once'>, out: (line: string) => void): Promise<() => void> {
  const query = db.collection(AUDIT_COLLECTION).orderBy('ts', 'desc').limit(args.limit);
  if (args.once) {
    const snapshot = await query.get();
    for (const doc of [...snapshot.docs].reverse()) out(formatEntry(doc.data()));
    return () => undefined;
  }
  return new Promise((resolve, reject) => {
    let first = true;
    const stop = query.onSnapshot(
      (snapshot) => {
        const added = snapshot.docChanges().filter((c) => c.type === 'added').map((c) => c.doc.data());
        for (const data of added.sort((a, b) => Number(a.ts) - Number(b.ts))) out(formatEntry(data));
        if (first) {
          first = false;
          resolve(stop);
        }
      },
      (err) => (first ? reject(err) : out(`audit:tail: ${err.message}`)),
    );
  });
}

async function main(): Promise<void> {
  const args = parseTailArgs(process.argv.slice(2));
  if ('error' in args) {
    process.stderr.write(`${args.error}\n${USAGE}\n`);
    process.exit(2);
  }
  const projectId =
    args.project ?? process.env.GCLOUD_PROJECT ?? process.env.GOOGLE_CLOUD_PROJECT ?? (process.env.FIRESTORE_EMULATOR_HOST ? 'demo-canary-guardian' : undefined);
  if (!projectId) {
    process.stderr.write(`no project: pass --project ID or set FIRESTORE_EMULATOR_HOST\n${USAGE}\n`);
    process.exit(2);
  }
  const app = initializeApp({ projectId });
  const stop = await tailAudit(getFirestore(app), args, (line) => process.stdout.write(`${line}\n`));
  const finish = () => {
    stop();
    void deleteApp(app).finally(() => process.exit(0));
  };
  if (args.once) return finish();
  process.on('SIGINT', finish);
  process.on('SIGTERM', finish);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`audit:tail failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  });
}
