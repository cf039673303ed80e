import type { AppLike, NetLike, SessionLike } from './surface';
import { CHANNELS, validRelease, type Channel } from './wire';

export type ProblemKind = 'config' | 'storage' | 'dropped' | 'retry' | 'internal';

export interface CanaryTelemetryOptions {
  /** Electron's `app` (or an object shaped like the part of it in surface.ts). */
  app: AppLike;
  /** Electron's `net`: batches are sent with `net.fetch`. */
  net: NetLike;
  /** A session whose requests count as the app's HTTP calls (`session.defaultSession`); omit to count only `wrapFetch`. */
  session?: SessionLike;
  /** The API's base URL; batches go to `{api}/v1/telemetry`. */
  api: string;
  /** The publishable ingest key (`npm run telemetry:key -- create --platforms desktop`). */
  key: string;
  /** The version this app runs, exactly as registered with `POST /canaries`. */
  release: string;
  channel: Channel;
  /** webRequest URL patterns counted as the app's calls. Default: every http and https URL. */
  urls?: string[];
  /** `render-process-gone` / `child-process-gone` reasons that count as a crash. Default: crashed, oom. */
  crashReasons?: string[];
  /** How long a quit may wait for the last batch to be sent (it is on disk either way). Default 1000; 0: never wait. */
  quitWaitMs?: number;
  /** Most batches kept unsent (16 KiB at most each); past it the oldest go. Default 50. */
  maxStoredBatches?: number;
  /** The wall clock (ms since the epoch). Default Date.now. */
  now?: () => number;
  /** Told about problems; never expected to throw. Default: console.warn, except retries. */
  onProblem?: (kind: ProblemKind, message: string) => void;
}

export interface Settings {
  endpoint: string;
  urls: string[];
  crashReasons: ReadonlySet<string>;
  quitWaitMs: number;
  maxStoredBatches: number;
  now: () => number;
}

const nonNegative = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fallback);

/** The settings, or what is wrong with the options (the module then stays inert rather than throw). */
export function settingsOf(o: CanaryTelemetryOptions): Settings | string {
  if (typeof o !== 'object' || o === null) return 'options must be an object';
  if (typeof o.app?.getPath !== 'function' || typeof o.app.on !== 'function') return 'app must be Electron\'s app';
  if (typeof o.net?.fetch !== 'function') return 'net must be Electron\'s net (net.fetch)';
  if (o.session !== undefined && typeof o.session?.webRequest?.onCompleted !== 'function') return 'session must be an Electron session';
  let endpoint: URL;
  try {
    endpoint = new URL(`${String(o.api).replace(/\/+$/, '')}/v1/telemetry`);
  } catch {
    return 'api must be an absolute URL, e.g. https://telemetry.example.com';
  }
  if (endpoint.protocol !== 'https:' && endpoint.protocol !== 'http:') return 'api must be an http(s) URL';
  if (typeof o.key !== 'string' || o.key.length < 1 || o.key.length > 200) return 'key must be the ingest key (1-200 characters)';
  if (!validRelease(o.release)) return 'release must be 1-64 characters without "/", as registered with POST /canaries';
  if (!CHANNELS.includes(o.channel)) return `channel must be one of ${CHANNELS.join(', ')}`;
  return {
    endpoint: endpoint.href,
    urls: Array.isArray(o.urls) && o.urls.length > 0 ? o.urls.map(String) : ['http://*/*', 'https://*/*'],
    crashReasons: new Set(Array.isArray(o.crashReasons) ? o.crashReasons : ['crashed', 'oom']),
    quitWaitMs: nonNegative(o.quitWaitMs, 1000),
    maxStoredBatches: Math.max(1, Math.floor(nonNegative(o.maxStoredBatches, 50))),
    now: typeof o.now === 'function' ? o.now : Date.now,
  };
}
