import { verifyChain, type AuditVerifyReport } from '../../core/audit-verify';
import type { AuditTrailSource } from '../../ports/audit-seal';

/** Reads every digest and entry and checks them (see core/audit-verify.ts for what is found). */
export async function verifyAudit(source: AuditTrailSource, options: { expectedHead?: { seq: number; hash: string } } = {}): Promise<AuditVerifyReport> {
  const [{ digests, malformed }, entries] = await Promise.all([source.digests(), source.entries()]);
  return verifyChain(digests, entries, { malformedDigests: malformed, expectedHead: options.expectedHead });
}
