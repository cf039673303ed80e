import type { Express } from 'express';
import * as logger from 'firebase-functions/logger';
import { onRequest } from 'firebase-functions/https';
import { API_KEYS, GITHUB_TOKEN } from '../config/params';
import { createApp } from '../http/app';
import { productionApiDeps } from './api-wiring';

let app: Express | undefined;

/**
 * The HTTP API (guardian gate, audit, canaries, rollback). `invoker: 'public'` because callers
 * authenticate to the app itself (API key or GitHub OIDC token, which Cloud Run IAM cannot check).
 */
export const api = onRequest({ secrets: [API_KEYS, GITHUB_TOKEN], invoker: 'public', timeoutSeconds: 60, memory: '512MiB' }, (req, res) => {
  try {
    app ??= createApp(productionApiDeps());
  } catch (err) {
    logger.error('api configuration is invalid', { error: (err as Error).message });
    res.status(503).json({ error: 'misconfigured', detail: 'the API configuration is invalid; see the function logs' });
    return;
  }
  app(req, res);
});
