import type { AuditLog, Clock } from '../../ports';

export interface AuditRequest {
  action: string;
  /** targetId, or the source document's `version`. */
  targetId: string;
  reason?: string;
  ts?: number;
  /** What the caller claimed as actorUid; kept in meta when it differs from the authenticated caller. */
  claimedActor?: string;
  meta?: Record<string, unknown>;
}

/**
 * POST /audit: one admin_audit entry in the source document's shape. The actor is always the
 * authenticated caller (a key's name or an OIDC identity), never what the body claims.
 */
export async function appendAuditEntry(
  deps: { audit: AuditLog; clock: Clock },
  input: AuditRequest,
  actor: string,
  idempotencyKey: string,
): Promise<{ id: string; created: boolean }> {
  const meta: Record<string, unknown> = { ...(input.meta ?? {}), source: 'api' };
  if (input.reason !== undefined) meta.reason = input.reason;
  if (input.claimedActor !== undefined && input.claimedActor !== actor) meta.claimed_actor = input.claimedActor;
  return deps.audit.append(
    { ts: input.ts ?? deps.clock.now(), action: input.action, actorUid: actor, targetId: input.targetId, meta },
    idempotencyKey,
  );
}
