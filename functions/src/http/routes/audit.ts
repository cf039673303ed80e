import { randomUUID } from 'node:crypto';
import type { Router } from 'express';
import { appendAuditEntry } from '../../app/audit/append';
import { callerOf } from '../auth';
import type { ApiDeps } from '../deps';
import { parseOr400, sendJson } from '../errors';
import { idempotencyKeyFor, idempotent } from '../idempotency';
import { AuditBody, AuditQuery } from '../schemas';

/** POST /audit (the source document's rollback workflow logs here) and GET /audit (read the trail). */
export function registerAuditRoutes(router: Router, deps: ApiDeps): void {
  router.post('/audit', idempotent(deps), async (req, res) => {
    const body = parseOr400(AuditBody, req.body, 'body');
    const caller = callerOf(res);
    const key = idempotencyKeyFor(req, res, 'audit') ?? `audit:${caller.actor}:${randomUUID()}`;
    const meta: Record<string, unknown> = { ...(body.meta ?? {}) };
    // The source document's payload names the release `version`; keep it in meta when both are sent.
    if (body.version !== undefined && body.targetId !== undefined) meta.version = body.version;
    const { id, created } = await appendAuditEntry(
      deps,
      {
        action: body.action,
        targetId: (body.targetId ?? body.version)!,
        ...(body.reason !== undefined ? { reason: body.reason } : {}),
        ...(body.ts !== undefined ? { ts: body.ts } : {}),
        ...(body.actorUid !== undefined ? { claimedActor: body.actorUid } : {}),
        meta,
      },
      caller.actor,
      key,
    );
    sendJson(res, created ? 201 : 200, { id, created });
  });

  router.get('/audit', async (req, res) => {
    const query = parseOr400(AuditQuery, req.query, 'query');
    const entries = await deps.audit.list(query);
    sendJson(res, 200, { entries });
  });
}
