import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Scenario } from '../../config/scenario-schema';
import type { Canary } from '../../core/canary';
import { bundleWebClient, WEB_CLIENT_DIR } from '../web-client-bundle';
import type { LocalMount } from './mounts';

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
  /** Seeded in tests; Math.random otherwise. */
  random?: () => number;
}

/** Errors over requests of one side of the scenario, pooled over the windows where the side has data. */
export function scenarioRate(s: Scenario, side: 'canary' | 'baseline', pick: 'pooled' | 'worst'): number {
  let errors = 0;
  let requests = 0;
  let worst = 0;
  for (const w of s.windows) {
    const c = w[side];
    if (!c || c.requests === 0) continue;
    errors += c.errors;
    requests += c.requests;
    worst = Math.max(worst, c.errors / c.requests);
  }
  return pick === 'worst' ? worst : requests === 0 ? 0 : errors / requests;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/**
 * `/demo/`: the scenario's canary release and its previous release side by side, each a page of the
 * same small app that reports with clients/web to the runner's own ingest. "Break the canary"
 * makes the canary's requests fail at the scenario's rate (its worst canary window); until then,
 * and on the previous release, they fail at the previous release's pooled rate. After a rollback
 * the canary's frame loads what its users are served: the previous release.
 */
export function createDemoMount(deps: DemoDeps): LocalMount {
  const dir = join(WEB_CLIENT_DIR, 'demo');
  const random = deps.random ?? Math.random;
  const failRate = scenarioRate(deps.scenario, 'canary', 'worst');
  const baseRate = scenarioRate(deps.scenario, 'baseline', 'pooled');
  const releases = [deps.scenario.release, deps.scenario.previousRelease];
  let bundle: Promise<string> | undefined;
  let broken = false;

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
      broken = true;
      return send(res, 200, 'application/json', JSON.stringify({ broken }));
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
          broken,
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
        const rate = release === deps.scenario.release && broken ? failRate : baseRate;
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
