import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Firestore } from 'firebase-admin/firestore';
import { createFirestoreCanaryStore } from '../../adapters/firestore';
import { createCohortRouter } from '../../app/cohorts/router';
import { COHORT_STATUSES, sharesFromCanaries } from '../../core/cohort-shares';
import type { CohortShares } from '../../core/cohort';
import type { Scenario } from '../../config/scenario-schema';
import { cohortRouterHandler } from '../../http/cohort-router';
import { cohortRouterDeps } from '../../functions/cohort-router-wiring';
import { fakeChannel } from '../../testing/cohort-apps';
import type { LocalMount } from './mounts';

export const APP_PATH = '/app';

/** What the router serves now, in words: the same split it computes from the same canaries. */
export function describeShares(split: CohortShares, scenario: Pick<Scenario, 'channel' | 'release'>): string {
  const parts: string[] = [];
  for (const ch of ['alpha', 'beta'] as const) {
    const share = split[ch];
    if (share) parts.push(`${ch} ${share.percent} % (${share.release}${share.percent === 0 ? ': paused, opted-in testers only' : ''})`);
  }
  if (scenario.channel !== 'stable' && !split[scenario.channel]) parts.push(`${scenario.channel} 0 % (nobody is sent to ${scenario.release})`);
  return `${parts.join(', ')}; stable the rest`;
}

/**
 * The demo app through the cohort router, at /app: two tiny builds served by local stand-ins of
 * Hosting channels (live: the previous release; the story's channel: its release) and the same
 * router the deployed function runs, reading the story canary's share from the runner's Firestore.
 * Its assets (/assets/...) are the live build's files, as Hosting serves files before rewriting.
 * Once the canary is paused its share is 0; the rollback's cohort_share step sets it to 0 for good,
 * and /app shows the previous release to everyone, with no cookie change.
 */
export async function startCohortDemo(
  db: Firestore,
  target: { hostingSite: string },
  scenario: Pick<Scenario, 'release' | 'previousRelease' | 'channel'>,
): Promise<{ mounts: LocalMount[]; shares: () => Promise<CohortShares>; note: string; stop: () => Promise<void> }> {
  const [live, canary] = await Promise.all([fakeChannel(scenario.previousRelease), fakeChannel(scenario.release)]);
  const site = target.hostingSite;
  let note = `config/web_cohorts: the cohort router at ${APP_PATH} fronts site ${site} (live: a stand-in serving ${scenario.previousRelease}, ${scenario.channel}: one serving ${scenario.release})`;
  try {
    await db.doc('config/web_cohorts').create({
      site,
      liveUrl: live.url,
      channelUrls: scenario.channel === 'stable' ? {} : { [scenario.channel]: canary.url },
      // The router re-reads the shares this often: a rollback reaches /app within a second.
      sharesTtlMs: 1_000,
    });
  } catch (err) {
    // An existing document is the operator's (a shared emulator): left alone, and said.
    if ((err as { code?: number }).code !== 6) throw err;
    note = `config/web_cohorts exists already and is left alone: the router at ${APP_PATH} fronts what it names, not this run's stand-ins`;
  }
  const deps = cohortRouterDeps(db, { now: () => Date.now() }, { secureCookie: false, logger: { warn: () => undefined, error: () => undefined } });
  const router = cohortRouterHandler(createCohortRouter(deps));
  const canaries = createFirestoreCanaryStore(db);
  const assets = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    // Only the build's own files, by name: a request path never reaches anything else.
    if (!/^\/assets\/[a-z]+\.js$/.test(path)) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'not_found' }));
      return;
    }
    void fetch(`${live.url}${path}`)
      .then(async (r) => {
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'text/javascript', 'cache-control': 'no-store' });
        res.end(await r.text());
      })
      .catch(() => {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'live stand-in unavailable' }));
      });
  };
  return {
    note,
    // The router's own computation over the router's own query (its cache aside).
    shares: async () => {
      const reads = await canaries.list({ platform: 'web', status: [...COHORT_STATUSES] });
      return sharesFromCanaries(
        reads.flatMap((r) => (r.ok ? [r.canary] : [])),
        site,
      );
    },
    mounts: [
      {
        prefix: APP_PATH,
        handler: router,
        describe: (baseUrl) =>
          `${baseUrl}${APP_PATH}   the demo app through the cohort router: ${scenario.channel === 'stable' ? 'the live release' : `${scenario.release} to the ${scenario.channel} share while the canary runs, ${scenario.previousRelease} to everyone after the rollback (?canary=${scenario.channel}|off|auto)`}`,
      },
      { prefix: '/assets', handler: assets },
    ],
    stop: async () => {
      await Promise.all([live.stop(), canary.stop()]);
    },
  };
}
