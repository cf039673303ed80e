import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { createGuardianPolicyLoader } from '../app/guardian/policy-loader';
import type { ConfigStore } from '../ports';
import type { AuthResult } from './auth';
import type { ApiDeps } from './deps';
import { jsonBody } from './body';
import { HttpError, sendJson } from './errors';
import { functionsLogSink, printable, type LogRecord } from './log';
import { createRateLimiter, DEFAULT_RATE_LIMIT } from './rate-limit';
import { registerAuditRoutes } from './routes/audit';
import { registerCanaryRoutes } from './routes/canaries';
import { registerGuardianRoutes } from './routes/guardian';
import { registerOpenApiRoute } from './routes/openapi';
import { registerIncidentRoutes } from './routes/incidents';
import { registerRollbackRoutes } from './routes/rollback';
import { registerStatusPageRoutes } from './routes/status-page';

const NO_CONFIG: ConfigStore = { get: async () => null };

interface RouteLayer {
  route?: { methods: Record<string, boolean> };
  match(path: string): boolean;
}

/** Methods the router serves at `path`, so a wrong method is told 405 rather than 404. */
function allowedMethods(router: Router, path: string): string[] {
  const methods = new Set<string>();
  for (const layer of (router as unknown as { stack: RouteLayer[] }).stack) {
    if (layer.route && layer.match(path)) for (const [m, on] of Object.entries(layer.route.methods)) if (on && m !== '_all') methods.add(m.toUpperCase());
  }
  return [...methods];
}

/** The HTTP status an error carries (body-parser and router errors do), never throwing on odd values. */
function errorStatus(err: unknown): number | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const e = err as { status?: unknown; statusCode?: unknown };
  const status = typeof e.status === 'number' ? e.status : e.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function errorMessage(err: unknown): unknown {
  return err !== null && typeof err === 'object' && 'message' in err ? (err as { message: unknown }).message : err;
}

/** Caller-chosen values worth seeing in the log, escaped (H9). */
function requestFields(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  const body = req.body as Record<string, unknown> | undefined;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    for (const key of ['release', 'channel', 'platform', 'action']) if (body[key] !== undefined) out[key] = printable(body[key]);
  }
  return out;
}

/**
 * The HTTP API: authentication on every call, a per-caller budget, the raw body read as JSON,
 * the guardian, audit, canary and rollback routes, and JSON for every error (never a stack trace).
 * One structured log record per request.
 */
export function createApp(deps: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Every answer is Cache-Control: no-store, so no client revalidates: no SHA-1 of each body for an ETag.
  app.set('etag', false);
  const log = deps.log ?? functionsLogSink;
  // The budget is spent and refilled in real time, never the app's clock: the local runner's story
  // clock stops when the story ends, and a budget that never refills answers 429 for ever.
  const limiter = createRateLimiter(deps.rateLimit ?? DEFAULT_RATE_LIMIT, Date.now);
  const policy = createGuardianPolicyLoader(deps.config ?? NO_CONFIG, deps.clock);

  app.use((req, res, next) => {
    const started = Date.now();
    // Whatever a hosting framework parsed before us is not trusted: the body is what jsonBody() passes.
    req.body = undefined;
    res.on('finish', () => {
      // A log line must never take the process down: nothing here may throw out of an event handler.
      try {
        const record: LogRecord = {
          severity: res.statusCode >= 500 ? 'ERROR' : res.statusCode >= 400 ? 'WARNING' : 'INFO',
          message: 'api request',
          method: printable(req.method, 20),
          path: printable(req.path),
          status: res.statusCode,
          actor: (res.locals.caller as { actor?: string } | undefined)?.actor ?? null,
          durationMs: Date.now() - started,
          ...requestFields(req),
          ...((res.locals.logFields as Record<string, unknown> | undefined) ?? {}),
        };
        log(record);
      } catch {
        /* the request is answered; a failing log sink loses one line, never the process */
      }
    });
    next();
  });

  app.use(async (req, res, next) => {
    try {
      const result: AuthResult = deps.authenticate
        ? await deps.authenticate(req.headers.authorization)
        : { ok: false, status: 401, body: { error: 'unauthenticated', missing: 'server has no credentials configured' } };
      if (!result.ok) {
        res.locals.logFields = { authError: result.body.error, ...(result.body.claim ? { claim: result.body.claim } : {}) };
        return sendJson(res, result.status, result.body, result.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {});
      }
      res.locals.caller = result.caller;
      // A status page sign-in reads; changes come from CI (API key, OIDC) where they are reviewed and audited.
      if (result.caller.kind === 'firebase' && req.method !== 'GET' && req.method !== 'HEAD') {
        return sendJson(res, 403, { error: 'forbidden', detail: 'a status page sign-in can only read; use an API key or a CI token to change anything' });
      }
      const wait = limiter(result.caller.actor);
      if (wait > 0) return sendJson(res, 429, { error: 'rate_limited', retryAfterSeconds: wait }, { 'Retry-After': String(wait) });
      next();
    } catch (err) {
      next(err);
    }
  });

  app.use(jsonBody());

  // Strict and case-sensitive: /CANARIES and /canaries/ are not /canaries (one path, one meaning).
  const router = express.Router({ strict: true, caseSensitive: true });
  registerGuardianRoutes(router, deps, policy);
  registerAuditRoutes(router, deps);
  registerCanaryRoutes(router, deps, policy);
  registerOpenApiRoute(router);
  registerRollbackRoutes(router, deps);
  registerIncidentRoutes(router, deps);
  registerStatusPageRoutes(router, deps);
  app.use(router);

  app.use((req: Request, res: Response) => {
    const allow = allowedMethods(router, req.path);
    if (allow.length > 0) return sendJson(res, 405, { error: 'method_not_allowed', method: req.method, allow }, { Allow: allow.join(', ') });
    sendJson(res, 404, { error: 'not_found', path: printable(req.path, 100) });
  });

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    // An answer already on its way cannot be replaced: end the exchange instead of throwing again.
    if (res.headersSent) return void res.destroy();
    if (err instanceof HttpError) return sendJson(res, err.status, err.body, err.headers);
    const status = errorStatus(err);
    if (status === 413) return sendJson(res, 413, { error: 'payload_too_large' });
    if (status === 400) return sendJson(res, 400, { error: 'malformed_request' });
    res.locals.logFields = { ...((res.locals.logFields as Record<string, unknown> | undefined) ?? {}), error: printable(errorMessage(err), 500) };
    sendJson(res, 500, { error: 'internal' });
  });
  return app;
}
