import type { AuditLog } from '../../ports/audit';
import type { Fence } from '../../ports/lease';

/**
 * The audit log as seen by one lease holder: every append carries the holder's fence, so once its
 * term is taken over it appends nothing (FencedOut) rather than a second account of the same event
 * beside the new holder's. Reads are untouched.
 */
export function fencedAuditLog(audit: AuditLog, fence: Fence | undefined): AuditLog {
  if (!fence) return audit;
  return {
    append: (entry, idempotencyKey, options) => audit.append(entry, idempotencyKey, { ...options, fence }),
    list: (query) => audit.list(query),
  };
}
