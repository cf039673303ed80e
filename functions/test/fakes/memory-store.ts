import type { Canary } from '../../src/core/canary';
import { AuditCursorNotFound, type AuditEntry, type AuditLog, type AuditQuery, type PendingAuditEntry, type StoredAuditEntry } from '../../src/ports/audit';
import { undoesRollback } from '../../src/core/rollback-hold';
import { CanaryConflict, type CanaryListQuery, type CanaryRead, type CanaryStore, type CanaryWriteOptions, type CanaryWriteResult, type EvaluationRecord } from '../../src/ports/canary-store';
import type { Fence } from '../../src/ports/lease';
import type { MemoryIdempotencyStore } from './memory-idempotency';

/**
 * In-memory CanaryStore for handler tests (STYLE 16); integration tests use the Firestore adapter.
 * Writes are checked like the Firestore adapter's transaction (version, rollback guard, fence,
 * decision document), each method body running without an await in between, so it is atomic.
 */
export class MemoryCanaryStore implements CanaryStore {
  readonly docs = new Map<string, Canary>();
  readonly claims = new Map<string, Record<string, unknown>>();
  readonly invalid = new Map<string, string>();
  readonly evaluations = new Map<string, Map<string, EvaluationRecord>>();
  private readonly versions = new Map<string, number>();
  private written = 0;

  /**
   * `fences`: the lease(s) whose terms fenced writes are checked against (MemoryLease). `audit`: the
   * log that entries written with a change (`options.audit`) go to, in the same step as the change.
   */
  constructor(
    private readonly fences?: { holds(fence: Fence): boolean },
    readonly audit?: MemoryAuditLog,
    /** The Idempotency-Key records a write's `completes` is checked against and completed in. */
    readonly idempotency?: MemoryIdempotencyStore,
  ) {}

  private auditLog(pending: PendingAuditEntry[] | undefined): MemoryAuditLog | undefined {
    if (!pending?.length) return undefined;
    if (!this.audit) throw new Error('MemoryCanaryStore: audit entries given with a write, but no MemoryAuditLog was linked (new MemoryCanaryStore(fences, audit))');
    return this.audit;
  }

  private bump(id: string): void {
    this.versions.set(id, ++this.written);
  }

  private versionOf(id: string): string {
    return String(this.versions.get(id) ?? 0);
  }

  async get(id: string): Promise<CanaryRead | null> {
    if (this.invalid.has(id)) return { ok: false, id, error: this.invalid.get(id)!, version: this.versionOf(id) };
    const canary = this.docs.get(id);
    return canary ? { ok: true, canary: structuredClone(canary), version: this.versionOf(id) } : null;
  }

  async list(query: CanaryListQuery): Promise<CanaryRead[]> {
    const statuses = query.status === undefined ? undefined : ([] as string[]).concat(query.status);
    const out: CanaryRead[] = query.mttrMissed ? [] : [...this.invalid].map(([id, error]) => ({ ok: false as const, id, error, version: this.versionOf(id) }));
    for (const canary of this.docs.values()) {
      if (query.mttrMissed && canary.mttrMissed?.open !== true) continue;
      if (statuses && !statuses.includes(canary.status)) continue;
      if (query.platform && canary.platform !== query.platform) continue;
      if (query.recoveryWatch && canary.recoveryWatch !== true) continue;
      out.push({ ok: true, canary: structuredClone(canary), version: this.versionOf(canary.id) });
    }
    return out.slice(0, query.limit ?? out.length);
  }

  async createIfAbsent(canary: Canary, options: { audit?: PendingAuditEntry[] } = {}): Promise<{ created: boolean; canary: CanaryRead }> {
    const log = this.auditLog(options.audit);
    const existing = await this.get(canary.id);
    if (existing) return { created: false, canary: existing };
    this.docs.set(canary.id, structuredClone(canary));
    this.bump(canary.id);
    for (const p of options.audit ?? []) if (!log!.has(p.idempotencyKey)) log!.insert(p.entry, p.idempotencyKey);
    return { created: true, canary: { ok: true, canary: structuredClone(canary), version: this.versionOf(canary.id) } };
  }

  async update(id: string, patch: Record<string, unknown>, options: CanaryWriteOptions = {}): Promise<CanaryWriteResult> {
    const log = this.auditLog(options.audit);
    const canary = this.docs.get(id) as unknown as Record<string, unknown> | undefined;
    const stored = canary as unknown as Canary | undefined;
    const refuse = (reason: CanaryConflict['reason'], message: string) => new CanaryConflict(id, reason, `canary ${id}: ${message}`, stored?.status);
    if (!canary) throw refuse('missing', 'no such canary');
    const evaluation = options.evaluation;
    if (evaluation && this.evaluations.get(id)?.has(evaluation.key)) throw refuse('already_decided', `another run already decided ${evaluation.key}`);
    if (options.fence && this.fences && !this.fences.holds(options.fence)) throw refuse('fenced', `lease term ${options.fence.term} no longer holds`);
    const completes = options.completes;
    const request = completes ? this.idempotency?.records.get(completes.key) : undefined;
    if (completes && !this.idempotency) throw new Error('MemoryCanaryStore: a write completes a request, but no MemoryIdempotencyStore was linked');
    if (completes && (!request || request.claim !== completes.claim || request.answer)) throw refuse('claim_lost', 'the Idempotency-Key of this request was taken over by a retry (or answered)');
    const repeat = (options.audit ?? []).find((p) => log!.has(p.idempotencyKey));
    if (repeat) throw refuse('duplicate', `audit entry ${repeat.idempotencyKey} (${repeat.entry.action}) is already stored: this change was already made`);
    if (options.ifVersion !== undefined && options.ifVersion !== this.versionOf(id)) throw refuse('changed', `changed since it was read (now ${stored!.status})`);
    if (!options.by) {
      const undo = undoesRollback({ status: stored!.status, frozen: stored!.rollout?.frozen === true }, patch);
      if (undo) throw refuse('rollback_holds', undo);
    }
    if (evaluation) {
      const history = this.evaluations.get(id) ?? new Map<string, EvaluationRecord>();
      this.evaluations.set(id, history);
      history.set(evaluation.key, structuredClone(evaluation.record));
    }
    this.bump(id);
    for (const [path, value] of Object.entries(patch)) {
      const keys = path.split('.');
      let node = canary;
      for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
      node[keys[keys.length - 1]] = structuredClone(value);
    }
    canary.updatedAt = Date.now();
    if (request) request.answer = structuredClone(completes!.answer);
    return { auditIds: (options.audit ?? []).map((p) => log!.insert(p.entry, p.idempotencyKey)) };
  }

  async markInvalid(id: string, error: string, options: { ifVersion?: string } = {}): Promise<void> {
    if (options.ifVersion !== undefined && options.ifVersion !== this.versionOf(id)) return;
    this.invalid.set(id, error);
    this.bump(id);
    this.docs.delete(id);
  }

  async claim(id: string, key: string, data: Record<string, unknown>): Promise<boolean> {
    const k = `${id}/${key}`;
    if (this.claims.has(k)) return false;
    this.claims.set(k, data);
    return true;
  }

  async recordEvaluation(id: string, key: string, record: EvaluationRecord): Promise<boolean> {
    const history = this.evaluations.get(id) ?? new Map<string, EvaluationRecord>();
    this.evaluations.set(id, history);
    if (history.has(key)) return false;
    history.set(key, structuredClone(record));
    return true;
  }

  async listEvaluations(id: string, limit: number, before?: number): Promise<EvaluationRecord[]> {
    return [...(this.evaluations.get(id)?.values() ?? [])]
      .filter((e) => before === undefined || e.scheduleTime < before)
      .sort((a, b) => b.scheduleTime - a.scheduleTime)
      .slice(0, limit)
      // As the Firestore store: the raw counts are kept for the backtest, not listed.
      .map(({ counts: _counts, ...rest }) => rest);
  }
}

/** In-memory AuditLog with the same once-per-idempotency-key behaviour as the Firestore one. */
export class MemoryAuditLog implements AuditLog {
  readonly entries: StoredAuditEntry[] = [];

  async append(entry: AuditEntry, idempotencyKey: string): Promise<{ id: string; created: boolean }> {
    const existing = this.entries.find((e) => e.idempotencyKey === idempotencyKey);
    if (existing) return { id: existing.id, created: false };
    return { id: this.insert(entry, idempotencyKey), created: true };
  }

  /** Whether an entry with this key is stored (the linked canary store's duplicate check). */
  has(idempotencyKey: string): boolean {
    return this.entries.some((e) => e.idempotencyKey === idempotencyKey);
  }

  /** Stores an entry without the repeat check (the caller made it); returns its id. */
  insert(entry: AuditEntry, idempotencyKey: string): string {
    const id = `a${this.entries.length + 1}`;
    this.entries.push({ ...structuredClone(entry), id, idempotencyKey, createdAt: Date.now() });
    return id;
  }

  async list(query: AuditQuery): Promise<StoredAuditEntry[]> {
    return this.entries
      .filter((e) => (query.targetId ? e.targetId === query.targetId : true))
      .filter((e) => (query.action ? e.action === query.action : true))
      .sort((a, b) => b.ts - a.ts || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .filter((e, i, sorted) => {
        if (query.after === undefined) return true;
        const at = sorted.findIndex((x) => x.id === query.after);
        if (at < 0) throw new AuditCursorNotFound(query.after);
        return i > at;
      })
      .slice(0, query.limit ?? 50);
  }
}
