import type { Fence } from './lease';

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

/**
 * An entry to be written in the same unit as a state change (CanaryWriteOptions.audit): the change
 * and its entry both land or neither does, and the entry is stored once per idempotency key.
 */
export interface PendingAuditEntry {
  entry: AuditEntry;
  idempotencyKey: string;
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
  /** The id of the last entry of the previous page: the page starts after it (same order, ties by id). */
  after?: string;
}

/** The entry a page was to start after does not exist (a forged or stale cursor). */
export class AuditCursorNotFound extends Error {
  constructor(readonly entryId: string) {
    super(`no audit entry ${entryId} to continue after`);
    this.name = 'AuditCursorNotFound';
  }
}

export interface AuditAppendOptions {
  /**
   * The lease term the writer holds: checked in the same unit as the entry's create(), so a holder
   * whose term was taken over appends nothing (the append fails with FencedOut).
   */
  fence?: Fence;
}

export interface AuditLog {
  /** Stores the entry once per idempotency key; `created` is false for a repeat. */
  append(entry: AuditEntry, idempotencyKey: string, options?: AuditAppendOptions): Promise<{ id: string; created: boolean }>;
  list(query: AuditQuery): Promise<StoredAuditEntry[]>;
}
