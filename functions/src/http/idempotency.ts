import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { callerOf } from './auth';
import { parseOr400 } from './errors';
import { IdempotencyKeyHeader } from './schemas';

/**
 * The key under which a request's side effect (its audit entry) is stored once:
 * - the `Idempotency-Key` header when the caller sent one (scoped to the caller and the route);
 * - else, for an OIDC caller, the token's `jti` with a hash of the request, so a replayed token
 *   carrying the same request is a repeat (H4) while one token may still make several calls;
 * - else null: the route decides (every call is a new event).
 */
export function idempotencyKeyFor(req: Request, res: Response, scope: string): string | null {
  const caller = callerOf(res);
  const header = req.headers['idempotency-key'];
  if (header !== undefined) {
    const key = parseOr400(IdempotencyKeyHeader, Array.isArray(header) ? header.join(',') : header, 'header');
    return `${scope}:${caller.actor}:key:${key}`;
  }
  if (caller.jti) {
    const raw = Buffer.isBuffer(res.locals.rawBody) ? (res.locals.rawBody as Buffer) : Buffer.alloc(0);
    const digest = createHash('sha256').update(`${req.method} ${req.originalUrl}\n`).update(raw).digest('hex');
    return `${scope}:${caller.actor}:jti:${caller.jti}:${digest}`;
  }
  return null;
}
