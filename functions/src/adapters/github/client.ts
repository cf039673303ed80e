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
  /** plugin-throttling; `enabled: false` drops its 1 s spacing of writes (tests, benchmarks against fakes). */
  throttle?: { enabled?: boolean };
  /**
   * Requests in flight at once across this process. plugin-throttling's default global group
   * allows 10, which queues a gate's reads behind other callers' (20 concurrent gates of ~9 reads
   * each would wait seconds); GitHub's secondary limit is 100 concurrent requests.
   */
  maxConcurrent?: number;
}

const concurrencyGroups = new Map<number, Promise<unknown>>();

/** One Bottleneck group per limit, shared by every client of this process (as plugin-throttling's own). */
function concurrencyGroup(maxConcurrent: number): Promise<unknown> {
  let group = concurrencyGroups.get(maxConcurrent);
  if (!group) {
    // The light build is the one plugin-throttling itself loads (no Redis clustering code).
    const spec = 'bottleneck/light.js';
    group = (import(spec) as Promise<{ default: typeof import('bottleneck').default }>).then(
      ({ default: Bottleneck }) => new Bottleneck.Group({ id: `octokit-global-${maxConcurrent}`, maxConcurrent, timeout: 120_000 }),
    );
    concurrencyGroups.set(maxConcurrent, group);
  }
  return group;
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
  const global = options.maxConcurrent ? await concurrencyGroup(options.maxConcurrent) : undefined;
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
      enabled: options.throttle?.enabled ?? true,
      ...(global ? { global } : {}),
      // plugin-throttling waits `retryAfter` seconds (60 s for a secondary limit without Retry-After)
      // before retrying; we retry once, and only when the wait fits our deadline.
      onRateLimit: (retryAfter: number, _opts: unknown, _o: unknown, retryCount: number) =>
        retryCount < 1 && retryAfter <= maxWaitSeconds,
      onSecondaryRateLimit: (retryAfter: number, _opts: unknown, _o: unknown, retryCount: number) =>
        retryCount < 1 && retryAfter <= maxWaitSeconds,
    },
  }) as unknown as Octokit;
}
