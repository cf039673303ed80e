import { createHash } from 'node:crypto';
import type { Octokit } from '@octokit/rest';
import * as logger from 'firebase-functions/logger';
import { createHttpFetch } from './http-fetch';
import { installRequestLimits } from './request-limits';

export interface GitHubClientOptions {
  /** A token from Secret Manager; never logged. */
  token: string;
  /** https://api.github.com by default; tests point it at a fake on 127.0.0.1. */
  baseUrl?: string;
  /** Retries of 5xx (plugin-retry's semantics). Tests shrink `retryAfterBaseValue`. */
  retry?: { enabled?: boolean; retries?: number; retryAfterBaseValue?: number };
  /**
   * Give up on a rate limit that asks us to wait longer than this (ms); the caller hands over to
   * a later run. A request's own `request.deadline` (epoch ms) shortens it further.
   */
  maxRateLimitWaitMs?: number;
  /**
   * Proactive limiting (default on): no request while a limit GitHub announced is in force, writes
   * spaced 1 s apart, at most `maxConcurrent` requests in flight. `enabled: false` keeps only the
   * reactive waits (tests and benchmarks that script GitHub's answers).
   */
  throttle?: { enabled?: boolean };
  /** Requests in flight at once per token across this process (default GITHUB_CONCURRENCY_LIMIT). */
  maxConcurrent?: number;
  /** Where Octokit's own request log goes (default: the functions logger at debug). */
  requestLog?: (message: string) => void;
}

/**
 * GitHub's secondary limit: "No more than 100 concurrent requests are allowed", per token, REST and
 * GraphQL together. plugin-throttling's 10 queued 20 concurrent gates (~11 reads each) for seconds.
 */
export const GITHUB_CONCURRENCY_LIMIT = 100;

/**
 * An Octokit with 5xx retries and GitHub's rate limits honoured (request-limits.ts). @octokit/rest
 * 22 is ESM-only: it is loaded with a dynamic import on first use, so functions that never talk to
 * GitHub never pay for it (STYLE 15).
 */
export async function createGitHubClient(options: GitHubClientOptions): Promise<Octokit> {
  const { Octokit: Base } = await import('@octokit/rest');
  const baseUrl = options.baseUrl ?? 'https://api.github.com';
  // node:http instead of the global fetch: a third of the CPU per request (http-fetch.ts).
  // Octokit's request log prints every answer of 400 or more with console.error, which Cloud
  // Logging files as ERROR: a gate's expected 404 (code scanning not set up) on every call would
  // look like an outage. The adapters turn answers into verdicts and errors; the log is for debugging.
  const requestLog = options.requestLog ?? ((message: string) => logger.debug(`github: ${message}`));
  const log = { debug: () => undefined, info: () => undefined, warn: (message: string) => logger.warn(`github: ${message}`), error: requestLog };
  const octokit = new Base({ auth: options.token, baseUrl, request: { fetch: createHttpFetch() }, log });
  // Limits are counted per token: clients sharing one share the state (the token itself is not kept).
  const key = createHash('sha256').update(`${baseUrl}\n${options.token}`).digest('hex');
  const throttled = options.throttle?.enabled ?? true;
  installRequestLimits(octokit, key, {
    maxRateLimitWaitMs: options.maxRateLimitWaitMs ?? 60_000,
    retry: {
      enabled: options.retry?.enabled ?? true,
      retries: options.retry?.retries ?? 3,
      retryAfterBaseValue: options.retry?.retryAfterBaseValue ?? 1000,
    },
    throttle: { enabled: throttled, maxConcurrent: options.maxConcurrent ?? GITHUB_CONCURRENCY_LIMIT, writeSpacingMs: 1000 },
  });
  return octokit;
}
