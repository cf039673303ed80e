import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Scenario } from '../../config/scenario-schema';
import type { Canary } from '../../core/canary';
import { bundleWebClient, WEB_CLIENT_DIR } from '../web-client-bundle';
import type { CanaryBreak } from './canary-break';
import type { LocalMount } from './mounts';

export { scenarioRate } from './canary-break';

export const DEMO_PATH = '/demo';

export interface DemoDeps {
  scenario: Scenario;
  /** The publishable ingest key the demo's pages report with (its origins include the runner's). */
  ingestKey: string;
  /** The story clock: the pages stamp their windows with it, as the ingest and the evaluation read it. */
  now: () => number;
  /** Real milliseconds per story minute: the pages send a batch once per story minute. */
  tickMs: number;
  /** The story's canary as stored, or null before it is registered. */
  canary: () => Promise<Canary | null>;
  /** The release Hosting serves the canary's channel now, where the runner knows (its stand-in); else derived from the canary's status. */
  served?: () => string | undefined;
  /** "Break the canary": shared with the simulated installs of the canary, which follow it. */
  canaryBreak: CanaryBreak;
  /** Simulated installs on the canary release (they break with the page). */
  canaryInstalls: number;
  /** Seeded in tests; Math.random otherwise. */
  random?: () => number;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/**
 * `/demo/`: the scenario's canary release and its previous release side by side, each a page of the
 * same small app that reports with clients/web to the runner's own ingest. "Break the canary"
 * breaks the canary release: its requests fail at the scenario's rate (its worst canary window),
 * the page's and those of the simulated installs on the canary alike; until then, and on the
 * previous release, they fail at the previous release's pooled rate. After a rollback the canary's
 * frame loads what its users are served: the previous release.
 */
export function createDemoMount(deps: DemoDeps): LocalMount {
  const dir = join(WEB_CLIENT_DIR, 'demo');
  const random = deps.random ?? Math.random;
  const { failRate, baseRate } = deps.canaryBreak;
  const releases = [deps.scenario.release, deps.scenario.previousRelease];
  let bundle: Promise<string> | undefined;

  async function served(): Promise<{ canary: Canary | null; served: string }> {
    const canary = await deps.canary();
    const known = deps.served?.();
    const back = canary?.status === 'rolled_back' || canary?.status === 'rolling_back';
    return { canary, served: known ?? (back ? deps.scenario.previousRelease : deps.scenario.release) };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const path = url.pathname.slice(DEMO_PATH.length);
    if (path === '') return void res.writeHead(302, { location: `${DEMO_PATH}/` }).end();
    if (req.method === 'POST' && path === '/break') {
      deps.canaryBreak.breakNow();
      return send(res, 200, 'application/json', JSON.stringify({ broken: deps.canaryBreak.broken() }));
    }
    if (req.method !== 'GET') return send(res, 405, 'application/json', JSON.stringify({ error: 'GET, or POST /demo/break' }));
    switch (path) {
      case '/':
        return send(res, 200, 'text/html; charset=utf-8', readFileSync(join(dir, 'index.html'), 'utf8'));
      case '/canary-telemetry.js':
        bundle ??= bundleWebClient().then((b) => b.code);
        return send(res, 200, 'text/javascript; charset=utf-8', await bundle);
      case '/state.json': {
        const { canary, served: release } = await served();
        const state = {
          release: deps.scenario.release,
          previousRelease: deps.scenario.previousRelease,
          channel: deps.scenario.channel,
          served: release,
          canary: canary ? { id: canary.id, status: canary.status, verdict: canary.lastEvaluation?.verdict ?? null } : null,
          broken: deps.canaryBreak.broken(),
          waitForBreak: deps.canaryBreak.waitForBreak,
          canaryInstalls: deps.canaryInstalls,
          failRate,
          baseRate,
          storyNow: deps.now(),
        };
        return send(res, 200, 'application/json', JSON.stringify(state));
      }
      case '/app.html': {
        const release = url.searchParams.get('release') ?? '';
        if (!releases.includes(release)) return send(res, 404, 'application/json', JSON.stringify({ error: `release must be one of ${releases.join(', ')}` }));
        // The tags the cohort router injects into the pages it serves (clients/web reads them).
        const meta = `<meta name="canary-release" content="${release}"><meta name="canary-channel" content="${deps.scenario.channel}">`;
        const config = { key: deps.ingestKey, intervalMs: deps.tickMs, storyNow: deps.now(), workEveryMs: 250 };
        const script = `<script type="application/json" id="demo-config">${JSON.stringify(config).replace(/</g, '\\u003c')}</script>`;
        return send(res, 200, 'text/html; charset=utf-8', readFileSync(join(dir, 'app.html'), 'utf8').replace('<!--meta-->', meta + script));
      }
      case '/work': {
        const release = url.searchParams.get('release');
        const rate = release === deps.scenario.release && deps.canaryBreak.broken() ? failRate : baseRate;
        const fail = random() < rate;
        setTimeout(() => send(res, fail ? 503 : 200, 'application/json', JSON.stringify(fail ? { error: 'the canary is broken' } : { ok: true })), 20 + random() * 60);
        return;
      }
      default:
        return send(res, 404, 'application/json', JSON.stringify({ error: 'not found' }));
    }
  }

  return {
    prefix: DEMO_PATH,
    handler: (req, res) => void handle(req, res).catch(() => send(res, 500, 'application/json', JSON.stringify({ error: 'the demo could not answer' }))),
    describe: (baseUrl) => `${baseUrl}${DEMO_PATH}/   the demo: the canary and its previous release side by side, reporting with clients/web; break the canary and watch the rollback`,
  };
}
