import { assignCohort, bucketOf, isKnownBot, parseOptIn, type CohortShares, type OptIn } from '../../core/cohort';
import { COHORT_STATUSES, sharesFromCanaries } from '../../core/cohort-shares';
import { readSession, sessionSetCookie, type CohortSession } from '../../core/session-cookie';
import type { Channel } from '../../core/types';
import { webCohortsSchema, type WebCohortsConfig } from '../../config/web-cohorts';
import type { CohortRouterDeps, RouterRequest, RouterResponse } from './deps';
import { ShellCache } from './shell-cache';
import { ttlMemo } from '../ttl-memo';

/** config/web_cohorts is re-read this often; a bad or unreadable one leaves the last good in force. */
const CONFIG_TTL_MS = 60_000;
const MAX_QUERY = 2_048;

const HTML_HEADERS = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'private, no-store', 'x-content-type-options': 'nosniff' };

/** `?canary=alpha|beta|off` sets an opt-in, `?canary=auto` clears it; anything else is ignored. */
function optInFromQuery(query: string): OptIn | 'auto' | undefined {
  if (query.length > MAX_QUERY) return undefined;
  const values = new URLSearchParams(query).getAll('canary');
  const value = values[values.length - 1];
  return value === 'auto' ? 'auto' : parseOptIn(value);
}

/**
 * The cohort router: which release a visitor's page is, decided once per visitor and kept. Every
 * error of its own ends in a page: the channel's shell failing gives the stable shell, the stable
 * shell failing gives the live shell as last fetched, untouched; only with nothing ever fetched is
 * the answer a 503 (asking the browser to retry).
 */
export function createCohortRouter(deps: CohortRouterDeps): (req: RouterRequest) => Promise<RouterResponse> {
  const { clock, logger } = deps;
  const shells = new ShellCache(deps.shells, clock);
  const config = ttlMemo<WebCohortsConfig>(clock, () => CONFIG_TTL_MS, async () => {
    const parsed = webCohortsSchema.safeParse(await deps.config.get('web_cohorts'));
    if (!parsed.success) throw new Error(`config/web_cohorts is ${parsed.error.issues.length ? `invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`).join('; ')}` : 'missing'}`);
    return parsed.data;
  });
  let sharesTtl = 5_000;
  const shares = ttlMemo<CohortShares>(clock, () => sharesTtl, async () => {
    const cfg = await config.get();
    const reads = await deps.canaries.list({ platform: 'web', status: [...COHORT_STATUSES] });
    const split = sharesFromCanaries(reads.flatMap((r) => (r.ok ? [r.canary] : [])), cfg.site);
    for (const ch of ['alpha', 'beta'] as const) {
      if (split[ch] && !cfg.channelUrls[ch]) {
        logger.warn('a web canary runs on a channel with no URL in config/web_cohorts: nobody is sent there', { channel: ch });
        delete split[ch];
      }
    }
    return split;
  });

  async function currentConfig(): Promise<WebCohortsConfig> {
    try {
      return await config.get();
    } catch (err) {
      const last = config.last();
      if (!last) throw err;
      logger.error('config/web_cohorts could not be loaded; keeping the last good one', { error: String((err as Error)?.message ?? err) });
      return last.value;
    }
  }

  /** Shares read failing is no reason to guess: everyone gets stable until they can be read. */
  async function currentShares(): Promise<CohortShares> {
    try {
      return await shares.get();
    } catch (err) {
      logger.error('web canary shares could not be read: serving stable to everyone', { error: String((err as Error)?.message ?? err) });
      return {};
    }
  }

  async function shellFor(cfg: WebCohortsConfig, split: CohortShares, channel: Channel): Promise<{ html: string; channel: Channel }> {
    if (channel !== 'stable') {
      const url = new URL(cfg.shellPath, cfg.channelUrls[channel]).href;
      try {
        return { html: await shells.get(url, channel, split[channel]?.release, cfg.shellTtlMs), channel };
      } catch (err) {
        logger.error('the channel shell could not be fetched: serving stable', { channel, error: String((err as Error)?.message ?? err) });
      }
    }
    return { html: await shells.get(new URL(cfg.shellPath, cfg.liveUrl).href, 'stable', split.stableRelease, cfg.shellTtlMs), channel: 'stable' };
  }

  return async function serve(req: RouterRequest): Promise<RouterResponse> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return { status: 405, headers: { 'content-type': 'application/json; charset=utf-8', allow: 'GET, HEAD' }, body: JSON.stringify({ error: 'the cohort router serves pages: GET and HEAD only' }), cohort: null };
    }
    const stored = readSession(req.cookie);
    const asked = optInFromQuery(req.query);
    const session: CohortSession = { id: stored?.id ?? deps.newSessionId() };
    const optIn = asked === 'auto' ? undefined : (asked ?? stored?.optIn);
    if (optIn) session.optIn = optIn;
    const headers: Record<string, string> = { ...HTML_HEADERS };
    if (!stored || stored.optIn !== session.optIn) headers['set-cookie'] = sessionSetCookie(session, deps.secureCookie);
    const body = (html: string) => (req.method === 'HEAD' ? '' : html);
    try {
      const cfg = await currentConfig();
      sharesTtl = cfg.sharesTtlMs;
      const split = await currentShares();
      const wanted = assignCohort(bucketOf(session.id), split, session.optIn, isKnownBot(req.userAgent));
      const { html, channel } = await shellFor(cfg, split, wanted);
      return { status: 200, headers, body: body(html), cohort: channel };
    } catch (err) {
      const why = String((err as Error)?.message ?? err);
      logger.error('cohort router fell back to the live shell', { error: why });
      if (shells.liveRaw !== undefined) return { status: 200, headers, body: body(shells.liveRaw), cohort: null, fallback: why };
      return { status: 503, headers: { ...headers, 'retry-after': '2' }, body: body('<!doctype html><meta http-equiv="refresh" content="2"><title>Loading</title><p>This page is starting. It will load on a retry.</p>'), cohort: null, fallback: why };
    }
  };
}
