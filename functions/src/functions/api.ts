import type { Express } from 'express';
import * as logger from 'firebase-functions/logger';
import { onRequest } from 'firebase-functions/https';
import { API_KEYS, GITHUB_TOKEN } from '../config/params';

let app: Promise<Express> | undefined;

/** The Express app and its collaborators are loaded on the first request, not when the entry is required. */
async function buildApp(): Promise<Express> {
  const [{ createApp }, { productionApiDeps }] = await Promise.all([import('../http/app'), import('./api-wiring')]);
  return createApp(productionApiDeps());
}

/**
 * The HTTP API (guardian gate, audit, canaries, rollback). `invoker: 'public'` because callers
 * authenticate to the app itself (API key or GitHub OIDC token, which Cloud Run IAM cannot check).
 */
export const api = onRequest({ secrets: [API_KEYS, GITHUB_TOKEN], invoker: 'public', timeoutSeconds: 60, memory: '512MiB' }, async (req, res) => {
  let handler: Express;
  try {
    handler = await (app ??= buildApp());
  } catch (err) {
    app = undefined;
    logger.error('api configuration is invalid', { error: (err as Error).message });
    res.status(503).json({ error: 'misconfigured', detail: 'the API configuration is invalid; see the function logs' });
    return;
  }
  handler(req, res);
});
