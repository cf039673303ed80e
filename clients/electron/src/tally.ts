import { latencyBucket } from './buckets';
import { LIMITS, type Channel, type WireWindow } from './wire';

/** Counts of one minute of one release, as kept on disk until they are sealed into a batch. */
export interface OpenWindow {
  release: string;
  channel: Channel;
  /** Start of the minute, ms since the epoch. */
  minute: number;
  requests: number;
  errors: number;
  clientErrors: number;
  sessions: number;
  crashes: number;
  /** Sparse: bucket index -> count. */
  latency: Record<string, number>;
}

/** How a request ended: a 5xx or a network failure is an error, a 4xx a client error. */
export type Outcome = 'ok' | 'clientError' | 'error';

export function outcomeOf(status: number): Outcome {
  return status >= 500 ? 'error' : status >= 400 ? 'clientError' : 'ok';
}

export const minuteOf = (ms: number): number => Math.floor(ms / 60_000) * 60_000;

/** The window of (release, channel, minute), made when missing. */
export function windowFor(open: OpenWindow[], release: string, channel: Channel, ms: number): OpenWindow {
  const minute = minuteOf(ms);
  let w = open.find((o) => o.minute === minute && o.release === release && o.channel === channel);
  if (!w) {
    w = { release, channel, minute, requests: 0, errors: 0, clientErrors: 0, sessions: 0, crashes: 0, latency: {} };
    open.push(w);
  }
  return w;
}

/** Counts one request; past the spec's 100,000 a minute the rest of the minute is not counted. */
export function addRequest(w: OpenWindow, outcome: Outcome, latencyMs: number | undefined): void {
  if (w.requests >= LIMITS.requests) return;
  w.requests += 1;
  if (outcome === 'error') w.errors += 1;
  else if (outcome === 'clientError') w.clientErrors += 1;
  if (latencyMs !== undefined && Number.isFinite(latencyMs) && latencyMs >= 0) {
    const b = String(latencyBucket(latencyMs));
    w.latency[b] = (w.latency[b] ?? 0) + 1;
  }
}

export function addSession(w: OpenWindow): void {
  w.sessions = Math.min(LIMITS.sessions, w.sessions + 1);
}

export function addCrash(w: OpenWindow): void {
  w.crashes = Math.min(LIMITS.sessions, w.crashes + 1);
}

/**
 * The window as the spec has it. A crash in a minute with no app start of its own (a renderer that
 * died mid-session, a crash reported for the previous release) counts the crashed session there
 * too: the spec wants crashes <= sessions in every window. That reads a crash rate c as about
 * c / (1 + c) (2 % as 1.96 %), never higher.
 */
export function toWire(w: OpenWindow): WireWindow {
  const out: WireWindow = { start: new Date(w.minute).toISOString().replace('.000Z', 'Z'), requests: w.requests, errors: w.errors };
  if (w.clientErrors > 0) out.clientErrors = w.clientErrors;
  const sessions = Math.max(w.sessions, w.crashes);
  if (sessions > 0) out.sessions = sessions;
  if (w.crashes > 0) out.crashes = w.crashes;
  if (Object.keys(w.latency).length > 0) out.latencyMs = { counts: { ...w.latency } };
  return out;
}

export function isEmpty(w: OpenWindow): boolean {
  return w.requests === 0 && w.sessions === 0 && w.crashes === 0;
}
