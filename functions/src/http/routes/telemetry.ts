import type { Request, Response, Router } from 'express';
import type { TelemetryHttpDeps } from '../telemetry-deps';
import { preflight } from '../cors';
import { sendJson } from '../errors';

export const TELEMETRY_PATH = '/v1/telemetry';

/** The ingest path as the app's router would match it (case-insensitive, strict about a trailing slash), query aside. */
export function isTelemetryPath(url: string | undefined): boolean {
  if (url === undefined) return false;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  return path === TELEMETRY_PATH || (path.length === TELEMETRY_PATH.length && path.toLowerCase() === TELEMETRY_PATH);
}

/**
 * The CORS preflight of POST /v1/telemetry: a preflight carries no body, so it names its key with
 * ?key=. The POST itself is answered before the router (telemetry-report.ts).
 */
export function registerTelemetryRoutes(router: Router, deps: TelemetryHttpDeps): void {
  router.options(TELEMETRY_PATH, async (req: Request, res: Response) => {
    const key = typeof req.query.key === 'string' ? await deps.keys(req.query.key) : null;
    if (!preflight(req, res, key)) sendJson(res, 403, { error: 'origin not allowed: a preflight names its key with ?key= and comes from one of its origins' });
  });
}
