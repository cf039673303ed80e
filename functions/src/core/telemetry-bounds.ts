/**
 * Poisoning bounds for client telemetry: what one install may add to one release in one minute.
 * A client can lie; these caps bound how far a few scripted installs can move a rate in either
 * direction (errors up to fake a regression, requests up to dilute a real one).
 */

/** What one install has already contributed to one release in one minute. */
export interface InstallMinute {
  requests: number;
  errors: number;
  sessions: number;
  crashes: number;
}

export interface MinuteCaps {
  requestsPerMinute: number;
  errorsPerMinute: number;
  sessionsPerMinute: number;
  crashesPerMinute: number;
}

/** The counts of the wire format's window (shared/spec/telemetry-format.md), without latency. */
export interface ScalarCounts {
  requests: number;
  errors: number;
  clientErrors: number;
  successes: number;
  sessions: number;
  crashes: number;
}

/** Adds `more` into `into`, field by field: aggregates of one release grow only this way. */
export function addScalarCounts(into: ScalarCounts, more: ScalarCounts): void {
  into.requests += more.requests;
  into.errors += more.errors;
  into.clientErrors += more.clientErrors;
  into.successes += more.successes;
  into.sessions += more.sessions;
  into.crashes += more.crashes;
}

export interface WindowCounts extends ScalarCounts {
  /** Sparse [bucket, count] over the standard buckets. */
  latency: [number, number][];
}

export interface Bounded {
  /** What is added to the aggregate. */
  add: WindowCounts;
  /** The install's minute after adding. */
  after: InstallMinute;
  /** True when a cap clipped anything. */
  capped: boolean;
}

/**
 * Clips a window to what the install may still add this minute. Requests over the cap scale the
 * whole window down (so its rates stay what the install reported); errors and crashes are then
 * clipped on their own caps. Every relation of the wire format still holds after clipping
 * (errors + clientErrors <= requests, successes <= requests, crashes <= sessions, latency total <= requests).
 */
export function boundWindow(before: InstallMinute, w: WindowCounts, caps: MinuteCaps): Bounded {
  const roomRequests = Math.max(0, caps.requestsPerMinute - before.requests);
  const scale = w.requests > roomRequests ? roomRequests / w.requests : 1;
  const s = (n: number) => (scale === 1 ? n : Math.floor(n * scale));
  const requests = s(w.requests);
  const errors = Math.min(s(w.errors), Math.max(0, caps.errorsPerMinute - before.errors), requests);
  const clientErrors = Math.min(s(w.clientErrors), requests - errors);
  const successes = Math.min(s(w.successes), requests);
  const sessions = Math.min(w.sessions, Math.max(0, caps.sessionsPerMinute - before.sessions));
  const crashes = Math.min(w.crashes, Math.max(0, caps.crashesPerMinute - before.crashes), sessions);
  let budget = requests;
  const latency: [number, number][] = [];
  for (const [bucket, count] of w.latency) {
    const n = Math.min(s(count), budget);
    budget -= n;
    if (n > 0) latency.push([bucket, n]);
  }
  const capped = scale !== 1 || errors !== w.errors || sessions !== w.sessions || crashes !== w.crashes;
  return {
    add: { requests, errors, clientErrors, successes, sessions, crashes, latency },
    after: { requests: before.requests + requests, errors: before.errors + errors, sessions: before.sessions + sessions, crashes: before.crashes + crashes },
    capped,
  };
}
