import { randomUUID } from 'node:crypto';
import type { Router } from 'express';
import { appendAuditEntry } from '../../app/audit/append';
import { callerOf } from '../auth';
import type { ApiDeps } from '../deps';
import { AuditCursorNotFound } from '../../ports/audit';
import { decodeAuditCursor, encodeAuditCursor } from '../audit-cursor';
import { HttpError, parseOr400, sendJson } from '../errors';
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
    const { cursor, ...query } = parseOr400(AuditQuery, req.query, 'query');
    const filter = { targetId: query.targetId, action: query.action };
    const after = cursor === undefined ? undefined : decodeAuditCursor(cursor, filter);
    const badCursor = () =>
      new HttpError(400, { error: 'invalid_request', in: 'query', fields: [{ field: 'cursor', message: 'not a `next` token of this list (same targetId and action), or its entry is gone' }] });
    if (after === null) throw badCursor();
    let entries;
    try {
      entries = await deps.audit.list({ ...query, ...(after !== undefined ? { after } : {}) });
    } catch (err) {
      if (err instanceof AuditCursorNotFound) throw badCursor();
      throw err;
    }
    // A full page may have a next one; the token continues after its last entry.
    const next = entries.length === query.limit ? encodeAuditCursor(entries[entries.length - 1]!.id, filter) : null;
    const headers: Record<string, string> = {};
    if (next) {
      const params = new URLSearchParams({ ...(query.targetId ? { targetId: query.targetId } : {}), ...(query.action ? { action: query.action } : {}), limit: String(query.limit), cursor: next });
      headers.Link = `</audit?${params.toString()}>; rel="next"`;
    }
    sendJson(res, 200, { entries, next }, headers);
  });
}
