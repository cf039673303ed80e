import type { Firestore } from 'firebase-admin/firestore';
import { createFirestoreAuditLog } from '../../adapters/firestore';
import { sealAuditTrail, verifyAuditTrail } from '../audit-trail';
import { summary } from '../audit-verify';
import type { Printer } from './printer';

/** Prints the admin_audit trail oldest first, one entry per line, as an admin would read it. */
export async function printAuditTrail(db: Firestore, out: Printer): Promise<void> {
  const entries = await createFirestoreAuditLog(db).list({ limit: 100 });
  out.line(`admin_audit (${entries.length} entries):`);
  for (const e of [...entries].reverse()) {
    out.line(`  ${new Date(e.ts).toISOString()} ${e.action} by ${e.actorUid} on ${e.targetId} ${JSON.stringify(e.meta)}`);
  }
}

/**
 * Seals what the story wrote and verifies the chain, as the scheduled sealer and `npm run
 * audit:verify` would. The story is over, so nothing is in flight: no sealing lag is needed.
 * Sealing runs on the real clock: entry timestamps come from the Firestore server, not the story.
 */
export async function sealAndVerify(db: Firestore, out: Printer): Promise<boolean> {
  const sealed = await sealAuditTrail(db, Date.now(), { lagMs: 0 });
  out.line(`audit seal: ${sealed.status === 'nothing_to_seal' ? 'nothing to seal' : `${sealed.digests.length} digest(s) written`}`);
  const report = await verifyAuditTrail(db);
  out.line(summary(report));
  return report.ok;
}
