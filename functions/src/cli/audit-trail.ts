import type { Firestore } from 'firebase-admin/firestore';
import { createFirestoreAuditSealStore } from '../adapters/firestore/audit-seal-store';
import { sealAudit, type SealOptions, type SealOutcome } from '../app/audit/seal';
import { verifyAudit } from '../app/audit/verify';
import type { AuditVerifyReport } from '../core/audit-verify';

/** Seals the admin_audit entries older than the lag into new digests (the scheduled job, tests, benches). */
export function sealAuditTrail(db: Firestore, now: number, options?: SealOptions): Promise<SealOutcome> {
  return sealAudit(createFirestoreAuditSealStore(db), now, options);
}

/** Checks every digest and entry of the trail; `report.ok` is false on any change, deletion or insertion. */
export function verifyAuditTrail(db: Firestore, options?: { expectedHead?: { seq: number; hash: string } }): Promise<AuditVerifyReport> {
  return verifyAudit(createFirestoreAuditSealStore(db), options);
}

export type { AuditVerifyReport, SealOptions, SealOutcome };
