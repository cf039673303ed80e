import type { IncomingMessage, ServerResponse } from 'node:http';
import { onRequest } from 'firebase-functions/https';

let handler: Promise<(req: IncomingMessage, res: ServerResponse) => void> | undefined;

async function build(): Promise<(req: IncomingMessage, res: ServerResponse) => void> {
  const [{ createCohortRouter }, { cohortRouterHandler }, { cohortRouterDeps }, { getDb }, { systemClock }] = await Promise.all([
    import('../app/cohorts/router'),
    import('../http/cohort-router'),
    import('./cohort-router-wiring'),
    import('../adapters/firestore/db'),
    import('../ports/clock'),
  ]);
  return cohortRouterHandler(createCohortRouter(cohortRouterDeps(getDb(), systemClock)));
}

/**
 * The web cohort router: the Hosting `rewrites` target of the app's HTML routes
 * (docs/web-cohorts.md). Public (every visitor of the site reaches it through Hosting); one
 * instance serves many visitors at once from its caches, so concurrency is high and memory small.
 */
export const cohortRouter = onRequest({ invoker: 'public', concurrency: 200, memory: '256MiB', cpu: 1, timeoutSeconds: 15 }, async (req, res) => {
  try {
    (await (handler ??= build()))(req, res);
  } catch {
    handler = undefined;
    res.status(503).set('retry-after', '2').json({ error: 'the cohort router is starting; retry' });
  }
});
