import type { SessionLike, WebRequestDetails } from './surface';
import { outcomeOf, type Outcome } from './tally';

/** Called once per finished request of the app; latency in ms when known. */
export type RecordRequest = (outcome: Outcome, latencyMs: number | undefined) => void;

/** Requests in flight remembered for their start time; past this the oldest are forgotten (their latency is then unknown). */
const MAX_IN_FLIGHT = 5000;

/** Net errors that are the app's own doing (a navigation away, an abort), not a failure of the service. */
const NOT_FAILURES = new Set(['net::ERR_ABORTED']);

/**
 * Observes a session's requests to `urls` with the three non-blocking webRequest listeners:
 * onSendHeaders for the start, onCompleted (status class) and onErrorOccurred (a network failure)
 * for the end. `skip` leaves out this module's own reports. Returns the detach function.
 *
 * Electron keeps one listener per webRequest event and session: a later `onCompleted` call, by the
 * app or by this module, replaces the earlier one (README: "webRequest has one listener").
 */
export function observeSession(session: SessionLike, urls: string[], skip: (url: string) => boolean, record: RecordRequest, guard: <A extends unknown[]>(f: (...a: A) => void) => (...a: A) => void): () => void {
  const started = new Map<number, number>();
  const filter = { urls };
  const end = (d: WebRequestDetails): number | undefined => {
    const t0 = started.get(d.id);
    started.delete(d.id);
    return t0 === undefined ? undefined : Math.max(0, d.timestamp - t0);
  };
  session.webRequest.onSendHeaders(filter, guard((d: WebRequestDetails) => {
    if (skip(d.url)) return;
    if (started.size >= MAX_IN_FLIGHT) started.delete(started.keys().next().value as number);
    started.set(d.id, d.timestamp);
  }));
  session.webRequest.onCompleted(filter, guard((d: WebRequestDetails) => {
    if (skip(d.url)) return;
    const latency = end(d);
    record(typeof d.statusCode === 'number' && d.statusCode > 0 ? outcomeOf(d.statusCode) : 'error', latency);
  }));
  session.webRequest.onErrorOccurred(filter, guard((d: WebRequestDetails) => {
    if (skip(d.url)) return;
    const latency = end(d);
    if (!NOT_FAILURES.has(String(d.error))) record('error', latency);
  }));
  return () => {
    session.webRequest.onSendHeaders(filter, null);
    session.webRequest.onCompleted(filter, null);
    session.webRequest.onErrorOccurred(filter, null);
  };
}

/** Anything fetch-shaped: a first argument naming the URL, a promise of something with a status. */
type FetchLike = (input: never, ...rest: never[]) => Promise<{ status: number }>;

function urlOf(input: unknown): string {
  if (typeof input === 'string') return input;
  if (input instanceof URL) return input.href;
  const url = (input as { url?: unknown } | null)?.url;
  return typeof url === 'string' ? url : '';
}

/**
 * `f` counted: same arguments, same answer, same rejection (the app's own errors stay the app's);
 * the count itself never throws. Uses performance.now() for the latency (the wall clock can jump).
 */
export function wrapFetch<F extends FetchLike>(f: F, skip: (url: string) => boolean, record: RecordRequest): F {
  const wrapped = async (...args: Parameters<F>): Promise<Awaited<ReturnType<F>>> => {
    const counted = !skip(urlOf(args[0]));
    const t0 = performance.now();
    let res: Awaited<ReturnType<F>>;
    try {
      res = await (f as unknown as (...a: unknown[]) => Promise<Awaited<ReturnType<F>>>)(...args);
    } catch (err) {
      const aborted = (err as { name?: unknown } | null)?.name === 'AbortError';
      if (counted && !aborted) record('error', performance.now() - t0);
      throw err;
    }
    if (counted) record(outcomeOf(res.status), performance.now() - t0);
    return res;
  };
  return wrapped as unknown as F;
}
