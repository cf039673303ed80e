import type { Request, Response } from 'express';
import { checkReport } from '../../app/telemetry/report-check';
import { firstProblem, TelemetryBody, type TelemetryReport } from '../../app/telemetry/report-schema';
import type { IngestKey } from '../../ports';
import { readRawBody } from '../body';
import { originHeaders } from '../cors';
import { HttpError } from '../errors';
import { loneSurrogatesIn, MAX_JSON_DEPTH, nestedDeeperThan } from '../json-guard';
import { printable, type LogRecord, type LogSink } from '../log';
import type { createRateLimiter } from '../rate-limit';
import type { TelemetryHttpDeps } from '../telemetry-deps';
import { TELEMETRY_PATH } from './telemetry';

/** The spec's body limit. */
export const TELEMETRY_BODY_LIMIT_BYTES = 16 * 1024;

const NOT_JSON = { error: 'the body is not JSON', path: '' };

/**
 * The answer as JSON in one writeHead: Express's res.json (charset negotiation, ETag hashing) and
 * setHeader one by one were a measurable share of an ingest request's CPU; an answer is never cached.
 */
function send(res: Response, status: number, body: unknown, headers: string[]): void {
  const text = JSON.stringify(body);
  res.writeHead(status, [...headers, 'Content-Type', 'application/json; charset=utf-8', 'Cache-Control', 'no-store', 'Content-Length', String(Buffer.byteLength(text))]);
  res.end(text);
}

/** The key named by the body, else by `?key=` (the spec: the URL only when the body has none). */
function presentedKey(req: Request, body: Record<string, unknown>): string | undefined {
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

/** What a body that could not be trusted (too deep, lone surrogates) would make recursive code do: nothing reads it. */
function unsafeJson(text: string, body: unknown, shapeKnown: boolean): boolean {
  // A body the check accepted is at most five levels deep; any other is measured before zod reads it.
  if (!shapeKnown && nestedDeeperThan(text, MAX_JSON_DEPTH)) return true;
  return loneSurrogatesIn(text, body).length > 0;
}

/**
 * POST /v1/telemetry (shared/spec/telemetry-format.md). Order of checks: size (413, before
 * parsing), JSON (400), key (401), origin and App Check (403), the body (400), platform (403),
 * budgets (429), then the group commit (202 / 200). A well-formed batch is checked by hand
 * (report-check.ts), any other by the zod schema, which names the problem. Refusals and failures
 * are logged; a 202 or 200 is not (Cloud Run logs every request with its status and latency, and a
 * log line per report was a measurable share of the CPU per report).
 */
export function createReportHandler(deps: TelemetryHttpDeps, installLimiter: ReturnType<typeof createRateLimiter>, log: LogSink) {
  return async (req: Request, res: Response): Promise<void> => {
    const started = Date.now();
    let body: unknown;
    let app: string | undefined;
    /** CORS headers once the origin is known to be allowed: every later answer carries them. */
    let cors: string[] = [];
    const answer = (status: number, payload: unknown, headers: string[] = [], error?: string): void => {
      send(res, status, payload, headers);
      if (status < 400) return;
      const record: LogRecord = { severity: status >= 500 ? 'ERROR' : 'WARNING', message: 'telemetry request', method: 'POST', path: TELEMETRY_PATH, status, durationMs: Date.now() - started };
      if (typeof body === 'object' && body !== null) for (const k of ['platform', 'release', 'channel']) if ((body as Record<string, unknown>)[k] !== undefined) record[k] = printable((body as Record<string, unknown>)[k], 100);
      if (app !== undefined) record.app = printable(app, 100);
      if (error !== undefined) record.error = error;
      log(record);
    };
    try {
      let raw: Buffer;
      try {
        raw = await readRawBody(req, TELEMETRY_BODY_LIMIT_BYTES);
      } catch (err) {
        if (err instanceof HttpError && err.status === 413) return answer(413, { error: `the body is over ${TELEMETRY_BODY_LIMIT_BYTES} bytes (16 KiB)` });
        throw err;
      }
      const text = raw.toString('utf8').trim();
      try {
        body = text === '' ? {} : (JSON.parse(text) as unknown);
      } catch {
        return answer(400, NOT_JSON);
      }
      let report: TelemetryReport | undefined = checkReport(body);
      if (unsafeJson(text, body, report !== undefined)) return answer(400, NOT_JSON);
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return answer(400, { error: 'the body must be one JSON object', path: '' });
      const presented = presentedKey(req, body as Record<string, unknown>);
      if (presented === undefined) return answer(401, { error: 'no ingest key: send key in the body or ?key= in the URL' });
      const key = await deps.keys(presented);
      if (!key) return answer(401, { error: 'unknown or revoked ingest key' });
      app = key.app;
      const allowed = originHeaders(req.headers.origin, key);
      if (!allowed) return answer(403, { error: 'origin not allowed for this key' });
      cors = allowed;
      const appCheck = await appCheckFails(deps, key, req);
      if (appCheck) return answer(403, { error: appCheck }, cors);
      if (!report) {
        const parsed = TelemetryBody.safeParse(body);
        if (!parsed.success) return answer(400, firstProblem(parsed.error), cors);
        report = parsed.data;
      }
      const wait = installLimiter(`${key.id}/${report.installId}`);
      if (wait > 0) return answer(429, { error: "over the install's budget of reports" }, [...cors, 'Retry-After', String(wait)]);
      const result = await deps.ingest.ingest(key, report);
      if (result.status === 429) return answer(429, result.body, [...cors, 'Retry-After', String(result.retryAfterSeconds)]);
      answer(result.status, result.body, cors);
    } catch (err) {
      if (res.headersSent) return;
      // Nothing of the report was recorded: the client keeps the batch and retries it.
      answer(503, { error: 'the report could not be recorded; retry later' }, [...cors, 'Retry-After', '5'], printable((err as Error)?.message ?? String(err), 500));
    }
  };
}
