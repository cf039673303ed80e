import type { Octokit } from '@octokit/rest';

export interface GitHubClientOptions {
  /** A token from Secret Manager; never logged. */
  token: string;
  /** https://api.github.com by default; tests point it at a fake on 127.0.0.1. */
  baseUrl?: string;
  /** Retries of 5xx / 429 (plugin-retry). Tests shrink `retryAfterBaseValue`. */
  retry?: { enabled?: boolean; retries?: number; retryAfterBaseValue?: number };
  /** Give up on a rate limit that asks us to wait longer than this (ms); the caller hands over to a later run. */
  maxRateLimitWaitMs?: number;
}

/**
 * An Octokit with retries and rate-limit handling. @octokit/rest 22 is ESM-only: it is loaded with
 * a dynamic import on first use, so functions that never talk to GitHub never pay for it (STYLE 15).
 */
export async function createGitHubClient(options: GitHubClientOptions): Promise<Octokit> {
  const [{ Octokit: Base }, { retry }, { throttling }] = await Promise.all([
    import('@octokit/rest'),
    import('@octokit/plugin-retry'),
    import('@octokit/plugin-throttling'),
  ]);
  const maxWaitSeconds = (options.maxRateLimitWaitMs ?? 60_000) / 1000;
  const Client = Base.plugin(retry, throttling);
  return new Client({
    auth: options.token,
    baseUrl: options.baseUrl ?? 'https://api.github.com',
    retry: {
      enabled: options.retry?.enabled ?? true,
      retries: options.retry?.retries ?? 3,
      retryAfterBaseValue: options.retry?.retryAfterBaseValue ?? 1000,
    },
    throttle: {
      // plugin-throttling waits `retryAfter` seconds (60 s for a secondary limit without Retry-After)
      // before retrying; we retry once, and only when the wait fits our deadline.
      onRateLimit: (retryAfter: number, _opts: unknown, _o: unknown, retryCount: number) =>
        retryCount < 1 && retryAfter <= maxWaitSeconds,
      onSecondaryRateLimit: (retryAfter: number, _opts: unknown, _o: unknown, retryCount: number) =>
        retryCount < 1 && retryAfter <= maxWaitSeconds,
    },
  }) as unknown as Octokit;
}
