
/** What an octokit RequestError carries (read by shape: the ESM class is not loaded for this). */
export interface HttpFailure {
  status: number;
  message: string;
  request?: unknown;
  response?: { headers?: Record<string, unknown> };
}

export function asHttpFailure(err: unknown): HttpFailure | null {
  const e = err as Partial<HttpFailure> | null;
  return typeof e === 'object' && e !== null && typeof e.status === 'number' && e.request !== undefined ? (e as HttpFailure) : null;
}

/**
 * A limit not waited out: the answer's status and headers (so adapters compute when to come back),
 * GitHub's message kept in full (callers match "secondary rate" in it), and `retryAt`.
 */
export class RateLimitError extends Error {
  override name = 'HttpError';
  readonly status: number;
  readonly request: unknown;
  readonly response: HttpFailure['response'];
  constructor(message: string, readonly limit: Limit) {
    super(message);
    this.status = limit.error.status;
    this.request = limit.error.request;
    this.response = limit.error.response;
  }
  get retryAt(): number {
    return this.limit.allowedAt;
  }
}

/**
 * Reading a 403 / 429 the way GitHub asks clients to
 * (https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit):
 * `retry-after` first; else `x-ratelimit-remaining: 0` means wait until `x-ratelimit-reset`; else,
 * for a secondary limit, "wait for at least one minute".
 */
export interface Limit {
  kind: 'primary' | 'secondary';
  /** Epoch ms before which no request may be sent. */
  allowedAt: number;
  /** What GitHub said, in words a person can act on. */
  because: string;
  /** The answer that set the limit: its status and headers are what later callers are shown. */
  error: HttpFailure;
}

/** Without Retry-After, GitHub asks for at least a minute (plugin-throttling assumes 60 s too). */
export const SECONDARY_FALLBACK_MS = 60_000;

function header(err: HttpFailure, name: string): string | undefined {
  const value = err.response?.headers?.[name];
  return value === undefined || value === null ? undefined : String(value);
}

/** The limit an error answer reports, or null when it is not a rate limit (a 403 for missing rights). */
export function limitOf(err: HttpFailure, now: number): Limit | null {
  if (err.status !== 403 && err.status !== 429) return null;
  const retryAfter = Number(header(err, 'retry-after'));
  const remaining = header(err, 'x-ratelimit-remaining');
  const reset = Number(header(err, 'x-ratelimit-reset'));
  const secondary = /\bsecondary rate\b/i.test(err.message);
  const kind = remaining === '0' && !secondary ? 'primary' : 'secondary';
  if (header(err, 'retry-after') !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0) {
    return { kind, allowedAt: now + retryAfter * 1000, because: `GitHub's ${kind} rate limit: Retry-After ${retryAfter} s`, error: err };
  }
  if (remaining === '0') {
    // One second past the reset, as plugin-throttling and the rollback reconciler (dispatch.ts) do.
    const allowedAt = Number.isFinite(reset) && reset > 0 ? reset * 1000 + 1000 : now + SECONDARY_FALLBACK_MS;
    return { kind: 'primary', allowedAt, because: `GitHub's primary rate limit is used up (x-ratelimit-remaining: 0) until ${new Date(allowedAt).toISOString()}`, error: err };
  }
  if (err.status === 429 || secondary) {
    return { kind: 'secondary', allowedAt: now + SECONDARY_FALLBACK_MS, because: "GitHub's secondary rate limit, no Retry-After: at least 60 s", error: err };
  }
  return null;
}

/** Why a limit is not waited out; GitHub's own message is kept (callers match "secondary rate" in it). */
export function outOfBudget(limit: Limit, waitMs: number, maxWaitMs: number, deadlineLeftMs: number | undefined, said = limit.error.message): string {
  const wait = `${Math.ceil(waitMs / 1000)} s`;
  const why =
    deadlineLeftMs !== undefined && waitMs > deadlineLeftMs
      ? `waiting ${wait} would pass the caller's deadline (${Math.max(0, Math.round(deadlineLeftMs))} ms left)`
      : `waiting ${wait} is longer than this client may wait (${maxWaitMs} ms)`;
  return `${limit.because}; ${why}; no request sent before ${new Date(limit.allowedAt).toISOString()} (GitHub said: ${said})`;
}
