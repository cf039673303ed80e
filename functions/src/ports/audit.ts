/**
 * The admin_audit trail, in the source document's shape. Append-only: the port has no update or
 * delete, and the same logical event appended twice (same idempotency key) is stored once.
 */
export interface AuditEntry {
  /** ms since epoch, as in the source document. */
  ts: number;
  action: string;
  actorUid: string;
  targetId: string;
  meta: Record<string, unknown>;
}

export interface StoredAuditEntry extends AuditEntry {
  id: string;
  idempotencyKey: string;
  /** Server time of the write, ms since epoch. */
  createdAt: number | null;
}

export interface AuditQuery {
  targetId?: string;
  action?: string;
  /** Newest first; default 50, at most 500. */
  limit?: number;
}

export interface AuditLog {
  /** Stores the entry once per idempotency key; `created` is false for a repeat. */
  append(entry: AuditEntry, idempotencyKey: string): Promise<{ id: string; created: boolean }>;
  list(query: AuditQuery): Promise<StoredAuditEntry[]>;
}
