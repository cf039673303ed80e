import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { callerOf } from './auth';
import type { ApiDeps } from './deps';
import { HttpError, parseOr400 } from './errors';
import { printable } from './log';
import { IdempotencyKeyHeader } from './schemas';
import type { RequestCompletion, StoredAnswer } from '../ports/idempotency';

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

/** JSON with object keys sorted at every level: two bodies that mean the same have one fingerprint. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The request's fingerprint: method, path and the parsed body (whitespace and key order do not count). */
export function requestFingerprint(req: Request): string {
  return createHash('sha256').update(`${req.method} ${req.path}\n`).update(canonical(req.body ?? null)).digest('hex');
}

/** The Idempotency-Key a running request holds (set by `idempotent` for the route). */
interface HeldKey {
  key: string;
  claim: string;
}

function storedAnswer(status: number, body: unknown, headers: Record<string, string> = {}): StoredAnswer {
  return { status, body: JSON.stringify(body), headers };
}

/**
 * The completion of this request's Idempotency-Key with the answer `status` and `body`, for a use
 * case to write in the same unit as the state change the answer reports (CanaryWriteOptions.completes):
 * once that change lands, a retry of the request is answered, never run again, even if this instance
 * dies before answering. Undefined when the request carries no Idempotency-Key.
 */
export function requestCompletion(res: Response, status: number, body: unknown): RequestCompletion | undefined {
  const held = res.locals.idempotency as HeldKey | undefined;
  return held ? { key: held.key, claim: held.claim, answer: storedAnswer(status, body) } : undefined;
}

/** Headers worth replaying with a stored answer. */
const REPLAYED_HEADERS = ['retry-after', 'allow'];

/**
 * The Idempotency-Key header on a mutating route, as the IETF HTTPAPI draft describes it. The key is
 * the caller's (two callers never share a record) and names one request (method, path and body):
 * - first use: the request runs; its answer (status and body) is stored with the key, unless it
 *   is a 5xx, which releases the key so a retry runs afresh;
 * - same key, same request: the stored answer again, nothing run (`Idempotent-Replayed: true`);
 * - same key, another request: 422 `idempotency_key_reused`, nothing done;
 * - same key while the first request still runs: 409 `idempotency_key_in_flight` with Retry-After.
 * A claim whose request died (instance crashed) is taken over after the store's stale time. A route
 * whose state change is not idempotent by itself (POST /rollback) completes the key in the change's
 * own unit (requestCompletion), so a request whose change landed is replayed, never run again; the
 * others key every effect by the same key, so a re-run adds none the first one made.
 * Without the header the route behaves as before (see idempotencyKeyFor).
 */
export function idempotent(deps: ApiDeps): RequestHandler {
  return async (req, res, next) => {
    try {
      const header = req.headers['idempotency-key'];
      if (header === undefined) return next();
      const key = parseOr400(IdempotencyKeyHeader, Array.isArray(header) ? header.join(',') : header, 'header');
      const store = deps.idempotency;
      if (!store) throw new HttpError(503, { error: 'unavailable', detail: 'Idempotency-Key is not supported here: no idempotency store is configured' });
      const actor = callerOf(res).actor;
      const scoped = `${actor}\n${key}`;
      const begun = await store.begin(scoped, requestFingerprint(req), { actor, route: `${req.method} ${req.path}` });
      switch (begun.kind) {
        case 'replay': {
          res.locals.logFields = { ...((res.locals.logFields as Record<string, unknown> | undefined) ?? {}), idempotency: 'replayed' };
          res.status(begun.answer.status).set({ 'Cache-Control': 'no-store', ...begun.answer.headers, 'Idempotent-Replayed': 'true', 'Content-Type': 'application/json; charset=utf-8' });
          res.send(begun.answer.body);
          return;
        }
        case 'mismatch':
          throw new HttpError(422, {
            error: 'idempotency_key_reused',
            detail: 'this Idempotency-Key was already used for a different request (body, method or path); nothing was done. Use a new key for a new request.',
          });
        case 'in_flight':
          throw new HttpError(
            409,
            { error: 'idempotency_key_in_flight', detail: 'the first request with this Idempotency-Key is still running; retry later for its answer', retryAfterSeconds: begun.retryAfterSeconds },
            { 'Retry-After': String(begun.retryAfterSeconds) },
          );
        case 'run':
          break;
        default: {
          const exhaustive: never = begun;
          return exhaustive;
        }
      }
      const claim = begun.claim;
      res.locals.idempotency = { key: scoped, claim } satisfies HeldKey;
      const send = res.json.bind(res);
      // The answer is stored before it is sent: a client retrying the moment it has it gets a replay, not a 409.
      res.json = (body: unknown) => {
        const status = res.statusCode;
        const headers: Record<string, string> = {};
        for (const h of REPLAYED_HEADERS) {
          const v = res.getHeader(h);
          if (v !== undefined) headers[h] = String(v);
        }
        // Completed already where the route's state change completed it in its own unit (then this is a no-op).
        const stored = status >= 500 ? store.release(scoped, claim) : store.complete(scoped, claim, storedAnswer(status, body, headers));
        stored
          .catch((err: unknown) => {
            res.locals.logFields = { ...((res.locals.logFields as Record<string, unknown> | undefined) ?? {}), idempotencyError: printable((err as Error)?.message ?? err) };
          })
          .finally(() => send(body));
        return res;
      };
      next();
    } catch (err) {
      next(err);
    }
  };
}
