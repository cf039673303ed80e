import type { Express } from 'express';
import * as logger from 'firebase-functions/logger';
import { onRequest } from 'firebase-functions/https';
import { TELEMETRY_RETENTION_DAYS, TELEMETRY_SHARDS } from '../config/params';

let app: Promise<Express> | undefined;

async function buildApp(): Promise<Express> {
  const [{ createTelemetryApp }, { telemetryDeps }, { getDb }, { getAppCheck }, { systemClock }] = await Promise.all([
    import('../http/telemetry-app'),
    import('./telemetry-wiring'),
    import('../adapters/firestore/db'),
    import('firebase-admin/app-check'),
    import('../ports/clock'),
  ]);
  const db = getDb();
  return createTelemetryApp(
    telemetryDeps(db, systemClock, {
      ...(TELEMETRY_SHARDS.value() > 0 ? { shards: TELEMETRY_SHARDS.value() } : {}),
      retentionMs: TELEMETRY_RETENTION_DAYS.value() * 24 * 3600_000,
      // getDb() initialised the default app; App Check verifies against it (JWKS cached by firebase-admin).
      verifyAppCheck: (token) => getAppCheck().verifyToken(token),
    }),
  );
}

/**
 * Telemetry ingest, POST /v1/telemetry: public (apps call it with a publishable key, checked by the
 * app itself). Its own scaling: many small requests, each waiting mostly on a shared group commit,
 * so one instance takes many at once (concurrency 250) in little memory; no secrets.
 */
export const telemetry = onRequest({ invoker: 'public', concurrency: 250, memory: '512MiB', cpu: 1, timeoutSeconds: 30, maxInstances: 20 }, async (req, res) => {
  let handler: Express;
  try {
    handler = await (app ??= buildApp());
  } catch (err) {
    app = undefined;
    logger.error('telemetry configuration is invalid', { error: (err as Error).message });
    res.status(503).json({ error: 'the ingest endpoint is misconfigured; see the function logs' });
    return;
  }
  handler(req, res);
});
