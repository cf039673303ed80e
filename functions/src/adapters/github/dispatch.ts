import type { Octokit } from '@octokit/rest';
import type { Canary } from '../../core/canary';
import type { Clock } from '../../ports/clock';
import { githubStepReadiness } from './readiness';
import { PLATFORM_CALL_TIMEOUT_MS, PlatformError, type ActionOutcome, type RollbackContext, type RollbackStep } from '../../ports/platform';

/** A hung call must end well inside the rollback lease (app/rollback/deps.ts derives it from this), or a takeover would overlap it. */
const CALL_TIMEOUT_MS = PLATFORM_CALL_TIMEOUT_MS;

/** Per-request options: a timeout (octokit has none by default); an abort is a retryable failure. */
export function callOptions(): { request: { signal: AbortSignal } } {
  return { request: { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) } };
}

/** GitHub answers a secondary rate limit without Retry-After; plugin-throttling assumes 60 s too. */
const DEFAULT_RETRY_AFTER_MS = 60_000;

function header(err: { response?: { headers?: Record<string, unknown> } }, name: string): string | undefined {
  const value = err.response?.headers?.[name];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/**
 * An octokit failure in the project's terms: 5xx, 429, secondary limits and network errors are
 * retryable (with the earliest retry time GitHub asked for); 401/403/404/422 are not.
 */
export function toGitHubPlatformError(err: unknown, clock: Clock, what: string): PlatformError {
  if (err instanceof PlatformError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as { status?: unknown; message?: unknown; response?: { headers?: Record<string, unknown> } };
  const status = typeof e.status === 'number' ? e.status : undefined;
  const message = `${what}: ${typeof e.message === 'string' ? e.message : String(err)}`;
  if (status === undefined) return new PlatformError('github', message, true);
  const retryAfter = Number(header(e, 'retry-after'));
  const remaining = header(e, 'x-ratelimit-remaining');
  const reset = Number(header(e, 'x-ratelimit-reset'));
  const secondary = /secondary rate/i.test(message);
  if (status === 429 || (status === 403 && (secondary || remaining === '0'))) {
    const retryAt = Number.isFinite(retryAfter) && retryAfter >= 0
      ? clock.now() + retryAfter * 1000
      : remaining === '0' && Number.isFinite(reset)
        ? reset * 1000 + 1000
        : clock.now() + DEFAULT_RETRY_AFTER_MS;
    return new PlatformError('github', message, true, status, retryAt);
  }
  return new PlatformError('github', message, status >= 500, status);
}

/** owner/name from the canary's target or the configured default; a clear error otherwise. */
export function repositoryOf(canary: Canary, fallback: string | undefined): { owner: string; repo: string } {
  const full = canary.target.repository || fallback || '';
  const [owner, repo, extra] = full.split('/');
  if (!owner || !repo || extra !== undefined) {
    throw new PlatformError('github', `canary ${canary.id} names no GitHub repository (target.repository or DEFAULT_REPOSITORY)`, false);
  }
  return { owner, repo };
}

/** The dispatch payload: the source document's {version, reason, timestamp} plus the rollback id (<= 10 keys). */
export function dispatchPayload(ctx: RollbackContext): Record<string, unknown> {
  return {
    version: ctx.version,
    reason: ctx.reason,
    timestamp: ctx.timestamp,
    rollback_id: ctx.rollbackId,
    rollback_to: ctx.rollbackTo,
    platform: ctx.canary.platform,
    channel: ctx.canary.rollout.channel,
  };
}

/**
 * Always-on step: `repository_dispatch` of `auto-rollback`, so the release workflow runs its own
 * rollback job. GitHub cannot tell us whether a lost request arrived, so a retry resends the same
 * `rollback_id` and the receiving workflow drops the duplicate (examples/workflows/auto-rollback.yml).
 */
export function createDispatchStep(options: {
  github: () => Promise<Octokit>;
  defaultRepository?: string;
  clock: Clock;
}): RollbackStep {
  return {
    name: 'dispatch',
    describe(ctx) {
      const { owner, repo } = repositoryOf(ctx.canary, options.defaultRepository);
      return `POST /repos/${owner}/${repo}/dispatches event_type=auto-rollback client_payload=${JSON.stringify(dispatchPayload(ctx))}`;
    },
    async execute(ctx): Promise<ActionOutcome> {
      const { owner, repo } = repositoryOf(ctx.canary, options.defaultRepository);
      const gh = await options.github();
      try {
        await gh.rest.repos.createDispatchEvent({ owner, repo, event_type: 'auto-rollback', client_payload: dispatchPayload(ctx), ...callOptions() });
      } catch (err) {
        throw toGitHubPlatformError(err, options.clock, `repository_dispatch to ${owner}/${repo}`);
      }
      return { status: 'done', detail: `dispatched auto-rollback ${ctx.rollbackId} to ${owner}/${repo}` };
    },
    readiness: (canary, rollbackTo) => githubStepReadiness('dispatch', options.github, options.defaultRepository, canary, rollbackTo),
  };
}
