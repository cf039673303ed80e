import type { Request, Response, Router } from 'express';
import { firstProblem, TelemetryBody } from '../../app/telemetry/report-schema';
import type { IngestKey } from '../../ports';
import { printable } from '../log';
import type { TelemetryHttpDeps } from '../telemetry-deps';
import { allowOrigin, preflight } from '../cors';
import type { createRateLimiter } from '../rate-limit';

export const TELEMETRY_PATH = '/v1/telemetry';

/**
 * The answer as JSON, written directly: Express's res.json (charset negotiation, ETag hashing) was
 * a measurable share of an ingest request's CPU, and an ingest answer is never cached.
 */
function sendJson(res: Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  for (const name in headers) res.setHeader(name, headers[name]!);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/** The key named by the body, else by `?key=` (the spec: the URL only when the body has none). */
function presentedKey(req: Request): string | undefined {
  const body = req.body as Record<string, unknown>;
  if (typeof body.key === 'string') return body.key;
  return typeof req.query.key === 'string' ? req.query.key : undefined;
}

async function appCheckFails(deps: TelemetryHttpDeps, key: IngestKey, req: Request): Promise<string | null> {
  if (!key.appCheck) return null;
  const token = req.headers['x-firebase-appcheck'];
  if (typeof token !== 'string' || token === '') return 'this key requires a Firebase App Check token in X-Firebase-AppCheck';
  try {
    await deps.verifyAppCheck(token);
    return null;
  } catch {
    return 'the Firebase App Check token is invalid or expired';
  }
}

/**
 * POST /v1/telemetry (shared/spec/telemetry-format.md) and its CORS preflight. Order of checks:
 * size (413, before parsing), JSON (400), key (401), origin and App Check (403), the body (400),
 * platform (403), budgets (429), then the group commit (202 / 200).
 */
export function registerTelemetryRoutes(router: Router, deps: TelemetryHttpDeps, installLimiter: ReturnType<typeof createRateLimiter>): void {
  router.options(TELEMETRY_PATH, async (req: Request, res: Response) => {
    const key = typeof req.query.key === 'string' ? await deps.keys(req.query.key) : null;
    if (!preflight(req, res, key)) sendJson(res, 403, { error: 'origin not allowed: a preflight names its key with ?key= and comes from one of its origins' });
  });

  router.post(TELEMETRY_PATH, async (req: Request, res: Response) => {
    const body = req.body as unknown;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return sendJson(res, 400, { error: 'the body must be one JSON object', path: '' });
    const presented = presentedKey(req);
    if (presented === undefined) return sendJson(res, 401, { error: 'no ingest key: send key in the body or ?key= in the URL' });
    const key = await deps.keys(presented);
    if (!key) return sendJson(res, 401, { error: 'unknown or revoked ingest key' });
    res.locals.logFields = { app: printable(key.app, 100) };
    if (!allowOrigin(req, res, key)) return sendJson(res, 403, { error: 'origin not allowed for this key' });
    const appCheck = await appCheckFails(deps, key, req);
    if (appCheck) return sendJson(res, 403, { error: appCheck });
    const parsed = TelemetryBody.safeParse(body);
    if (!parsed.success) return sendJson(res, 400, firstProblem(parsed.error));
    const wait = installLimiter(`${key.id}/${parsed.data.installId}`);
    if (wait > 0) return sendJson(res, 429, { error: "over the install's budget of reports" }, { 'Retry-After': String(wait) });
    const result = await deps.ingest.ingest(key, parsed.data);
    if (result.status === 429) return sendJson(res, 429, result.body, { 'Retry-After': String(result.retryAfterSeconds) });
    sendJson(res, result.status, result.body);
  });
}
