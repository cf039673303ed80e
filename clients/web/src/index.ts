import { createSender } from './send';
import { createStore, randomId } from './store';
import { instrument } from './instrument';
import { createWindows, type Tally } from './windows';

export type Channel = 'alpha' | 'beta' | 'stable';

export interface CanaryTelemetryOptions {
  /** Base URL of the Canary Guardian API; reports go to `${api}/v1/telemetry`. */
  api: string;
  /** The publishable ingest key (`cgt_...`, from `npm run telemetry:key -- create`). */
  key: string;
  /** The release this page runs. Default: `<meta name="canary-release" content="...">`. */
  release?: string;
  /** Its channel. Default: `<meta name="canary-channel" content="alpha|beta|stable">`. */
  channel?: Channel;
  /** Origins whose `fetch` and `XMLHttpRequest` calls are counted. Default: the page's own origin. */
  origins?: string[];
  /** Where the key requires App Check: a fresh token (e.g. `() => getToken(appCheck).then(t => t.token)`). */
  getAppCheckToken?: () => Promise<string>;
  /** How often a batch is sent while the page is visible, in ms. Default 60,000. */
  intervalMs?: number;
  /** The clock windows are stamped with. Default `Date.now`; a demo on a faster story clock passes its own. */
  now?: () => number;
}

export interface CanaryTelemetry {
  /** Sends what was counted so far now; resolves when the server answered (or the send failed and the batch was kept). */
  flush(): Promise<void>;
  /** Stops counting and sending (the wrappers stay in place and pass calls through). */
  stop(): void;
}

const CHANNELS = ['alpha', 'beta', 'stable'];
/** Uncaught errors counted per page and minute: an error thrown in a loop is one broken page, not thousands. */
const MAX_PAGE_ERRORS = 5;

let running: CanaryTelemetry | undefined;

function meta(name: string): string | undefined {
  return document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content || undefined;
}

function start(o: CanaryTelemetryOptions): CanaryTelemetry | undefined {
  const release = o.release ?? meta('canary-release');
  const channel = o.channel ?? meta('canary-channel');
  if (!release || release.length > 64 || release.includes('/') || !CHANNELS.includes(channel!) || !o.api || !o.key) {
    console.warn('canary-telemetry: not started: give api, key, a release (1-64 characters, no "/") and a channel (alpha, beta or stable)');
    return undefined;
  }
  const now = o.now ?? Date.now;
  const base = new URL(o.api, location.href).href.replace(/\/$/, '');
  const url = `${base}/v1/telemetry?key=${encodeURIComponent(o.key)}`;
  const origins = o.origins ?? [location.origin];
  const store = createStore(o.key);
  const windows = createWindows();
  const sender = createSender({ url, store, fetch: window.fetch.bind(window), getAppCheckToken: o.getAppCheckToken, now });
  let on = true;
  let pageErrors = 0;
  let errorMinute = 0;

  const tally = (t: Tally) => on && windows.add(now(), t);
  const pageBroke = () => {
    const minute = Math.floor(now() / 60_000);
    if (minute !== errorMinute) (errorMinute = minute), (pageErrors = 0);
    // A broken page is a failed task: one request that failed, so errors never outgrow requests.
    if (++pageErrors <= MAX_PAGE_ERRORS) tally({ requests: 1, errors: 1 });
  };
  const cut = () => {
    const taken = windows.take();
    if (!store.reports(now(), release)) return;
    for (let i = 0; i < taken.length; i += 10) store.add(now(), { batchId: randomId(), release, channel: channel!, windows: taken.slice(i, i + 10) });
  };
  const send = (beacon: boolean) => {
    if (!on) return Promise.resolve();
    cut();
    return sender.send(beacon);
  };
  const leaving = () => {
    if (document.visibilityState === 'hidden') void send(true);
  };

  instrument((u) => {
    if (!on) return false;
    const target = new URL(u, location.href);
    return origins.includes(target.origin) && !target.href.startsWith(base + '/v1/telemetry');
  }, tally);
  addEventListener('error', pageBroke);
  addEventListener('unhandledrejection', pageBroke);
  addEventListener('visibilitychange', leaving);
  addEventListener('pagehide', leaving);
  const interval = o.intervalMs ?? 60_000;
  // Aligned to the interval with a little jitter, so a page sends soon after its minute closes and
  // many pages opened at once do not all send in the same second.
  let timer = setTimeout(function tick() {
    void send(false);
    timer = setTimeout(tick, interval - (now() % interval) + Math.random() * interval * 0.05);
  }, interval - (now() % interval) + Math.random() * interval * 0.05);

  // The page load: one session and one request. Batches a previous page left are sent once the page is idle.
  tally({ sessions: 1, requests: 1 });
  setTimeout(() => void sender.send(false), 3000);

  return {
    flush: () => send(false),
    stop() {
      on = false;
      clearTimeout(timer);
      removeEventListener('error', pageBroke);
      removeEventListener('unhandledrejection', pageBroke);
      removeEventListener('visibilitychange', leaving);
      removeEventListener('pagehide', leaving);
      running = undefined;
    },
  };
}

/**
 * Starts canary telemetry for this page: call it once, as early as possible. Never throws; returns
 * undefined when it cannot run (no release or channel, no browser). A second call returns the
 * running instance.
 */
export function startCanaryTelemetry(options: CanaryTelemetryOptions): CanaryTelemetry | undefined {
  try {
    return (running ??= start(options));
  } catch {
    return undefined;
  }
}
