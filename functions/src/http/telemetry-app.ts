import express, { type NextFunction, type Request, type Response } from 'express';
import { jsonBody } from './body';
import { HttpError, sendJson } from './errors';
import { functionsLogSink, printable, type LogRecord } from './log';
import { createRateLimiter, type RateLimitOptions } from './rate-limit';
import { isTelemetryPath, registerTelemetryRoutes, TELEMETRY_PATH } from './routes/telemetry';
import { createReportHandler, TELEMETRY_BODY_LIMIT_BYTES } from './routes/telemetry-report';
import type { TelemetryHttpDeps } from './telemetry-deps';

/** A real client sends a batch a minute; this lets retries and a backlog through and stops a loop on one instance. */
export const DEFAULT_INSTALL_RATE: RateLimitOptions = { capacity: 12, refillPerSecond: 0.2 };

/**
 * The telemetry ingest app: public (apps call it with a publishable key), in the API's style: the
 * raw body read as JSON whatever the Content-Type (sendBeacon sends text/plain), JSON for every
 * error and never a stack trace, a structured log record for every request but an accepted report.
 */
export function createTelemetryApp(deps: TelemetryHttpDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('etag', false);
  const log = deps.log ?? functionsLogSink;
  const installLimiter = createRateLimiter(deps.installRateLimit ?? DEFAULT_INSTALL_RATE, () => deps.clock.now());
  const report = createReportHandler(deps, installLimiter, log);

  // The hot path, the app's first middleware: a report skips the router's path matching, the
  // per-request log hook and the generic body parser below (each measured with bench:ingest).
  app.use((req, res, next) => {
    if (req.method === 'POST' && isTelemetryPath(req.url)) return void report(req, res);
    next();
  });

  app.use((req, res, next) => {
    const started = Date.now();
    res.on('finish', () => {
      const body = req.body as Record<string, unknown> | undefined;
      const fields: Record<string, string> = {};
      if (body && typeof body === 'object') for (const k of ['platform', 'release', 'channel']) if (body[k] !== undefined) fields[k] = printable(body[k], 100);
      const record: LogRecord = {
        severity: res.statusCode >= 500 ? 'ERROR' : res.statusCode >= 400 ? 'WARNING' : 'INFO',
        message: 'telemetry request',
        method: req.method,
        path: printable(req.path, 100),
        status: res.statusCode,
        durationMs: Date.now() - started,
        ...fields,
        ...((res.locals.logFields as Record<string, unknown> | undefined) ?? {}),
      };
      log(record);
    });
    next();
  });

  app.use(jsonBody(TELEMETRY_BODY_LIMIT_BYTES));
  const router = express.Router({ strict: true });
  registerTelemetryRoutes(router, deps);
  app.use(router);

  app.use((req: Request, res: Response) => {
    if (req.path === TELEMETRY_PATH) return sendJson(res, 405, { error: `method ${printable(req.method, 20)} not allowed: POST` }, { Allow: 'POST, OPTIONS' });
    sendJson(res, 404, { error: 'not found', path: printable(req.path, 100) });
  });

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = err instanceof HttpError ? err.status : ((err as { status?: number }).status ?? 500);
    if (status === 413) return sendJson(res, 413, { error: `the body is over ${TELEMETRY_BODY_LIMIT_BYTES} bytes (16 KiB)` });
    if (status === 400) return sendJson(res, 400, { error: 'the body is not JSON', path: '' });
    res.locals.logFields = { ...(res.locals.logFields ?? {}), error: printable((err as Error)?.message ?? String(err), 500) };
    // Nothing of the report was recorded: the client keeps the batch and retries it.
    sendJson(res, 503, { error: 'the report could not be recorded; retry later' }, { 'Retry-After': '5' });
  });
  return app;
}
