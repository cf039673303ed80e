import { setTimeout as sleep } from 'node:timers/promises';
import type { Octokit } from '@octokit/rest';
import { asHttpFailure, limitOf, outOfBudget, RateLimitError, type Limit } from './rate-limit-answer';

/**
 * GitHub's rate limits and plugin-retry's 5xx retries as one `request` hook, in place of
 * plugin-throttling and plugin-retry: both schedule every request through Bottleneck, whose
 * shared queue starts jobs ~2.4 ms apart and made 20 concurrent gates wait seconds behind each
 * other. Here a request costs a counter check and, only when GitHub asked us to wait, a timer.
 */
export interface RequestLimitsOptions {
  /** Longest wait for a rate limit (ms); a longer one fails at once with the reason. */
  maxRateLimitWaitMs: number;
  /** plugin-retry semantics: statuses >= 400 outside `doNotRetry`, `retries` times, (n+1)^2 x base ms apart. */
  retry: { enabled: boolean; retries: number; retryAfterBaseValue: number };
  /**
   * Proactive limiting: no request before a limit another request met has expired, at most
   * `maxConcurrent` in flight, writes spaced `writeSpacingMs` apart (GitHub: "wait at least one
   * second between each" mutating request). Off in tests and benchmarks that script limits.
   */
  throttle: { enabled: boolean; maxConcurrent: number; writeSpacingMs: number };
  now?: () => number;
}

/** State shared by every client of one token and API host: GitHub counts limits per token. */
interface TokenState {
  blockedUntil: number;
  blocking: Limit | undefined;
  active: number;
  waiting: (() => void)[];
  nextWriteAt: number;
}

const states = new Map<string, TokenState>();

function stateOf(key: string): TokenState {
  let state = states.get(key);
  if (!state) states.set(key, (state = { blockedUntil: 0, blocking: undefined, active: 0, waiting: [], nextWriteAt: 0 }));
  return state;
}

/** plugin-retry 8's `doNotRetry`: the caller's mistakes. 403 / 429 rate limits are handled apart. */
const DO_NOT_RETRY = new Set([400, 401, 403, 404, 410, 422, 451]);

/** The per-request options this hook reads (octokit passes unknown `request` keys through). */
interface HookOptions {
  method: string;
  request?: { signal?: AbortSignal; deadline?: number };
}

export function installRequestLimits(octokit: Pick<Octokit, 'hook'>, key: string, options: RequestLimitsOptions): void {
  const now = options.now ?? Date.now;
  const state = stateOf(key);
  const { throttle } = options;

  async function acquire(signal: AbortSignal | undefined): Promise<void> {
    if (state.active < throttle.maxConcurrent) {
      state.active += 1;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        state.waiting.splice(state.waiting.indexOf(go), 1);
        reject(signal?.reason as Error);
      };
      const go = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      state.waiting.push(go);
    });
  }

  function release(): void {
    const next = state.waiting.shift();
    if (next) next();
    else state.active -= 1;
  }

  /** Waits for a limit to expire when that fits the budget; otherwise throws why not. */
  async function waitOut(limit: Limit, opts: HookOptions): Promise<void> {
    const t = now();
    const deadline = opts.request?.deadline;
    const left = deadline === undefined ? undefined : deadline - t;
    const wait = limit.allowedAt - t;
    if (wait > Math.min(options.maxRateLimitWaitMs, left ?? Infinity)) {
      throw new RateLimitError(outOfBudget(limit, wait, options.maxRateLimitWaitMs, left), limit);
    }
    if (wait > 0) await sleep(wait, undefined, { signal: opts.request?.signal });
  }

  octokit.hook.wrap('request', async (request, endpoint) => {
    const opts = endpoint as HookOptions;
    const signal = opts.request?.signal;
    const isWrite = opts.method !== 'GET' && opts.method !== 'HEAD';
    let limitRetries = 0;
    let retries = 0;
    for (;;) {
      while (throttle.enabled && state.blocking && state.blockedUntil > now()) await waitOut(state.blocking, opts);
      if (throttle.enabled && isWrite && throttle.writeSpacingMs > 0) {
        const at = Math.max(now(), state.nextWriteAt);
        state.nextWriteAt = at + throttle.writeSpacingMs;
        if (at > now()) await sleep(at - now(), undefined, { signal });
      }
      if (throttle.enabled) await acquire(signal);
      let failure: unknown;
      try {
        return await request(endpoint);
      } catch (err) {
        failure = err;
      } finally {
        if (throttle.enabled) release();
      }
      const http = asHttpFailure(failure);
      if (!http) throw failure;
      const limit = limitOf(http, now());
      if (limit) {
        if (throttle.enabled && limit.allowedAt > state.blockedUntil) {
          state.blockedUntil = limit.allowedAt;
          state.blocking = limit;
        }
        // As plugin-throttling was configured here: one retry after the wait, then give up.
        if (limitRetries >= 1) throw new RateLimitError(`${limit.because}; still refused after waiting once (GitHub said: ${http.message})`, limit);
        limitRetries += 1;
        await waitOut(limit, opts);
        continue;
      }
      const { retry } = options;
      if (!retry.enabled || http.status < 400 || DO_NOT_RETRY.has(http.status) || retries >= retry.retries) throw failure;
      retries += 1;
      await sleep(retries ** 2 * retry.retryAfterBaseValue, undefined, { signal });
    }
  });
}
