import { PlatformError, type AlertSeverity } from '../../ports';
import { asHttpFailure, limitOf, RateLimitError } from './rate-limit-answer';

/** Translation of Octokit's errors and GitHub's severities into the guardian port's terms. */

export const SEVERITIES: AlertSeverity[] = ['critical', 'high', 'medium', 'low'];

/** Octokit errors carry `status` and `response.headers`; anything else (abort, socket) has neither. */
export function toPlatformError(err: unknown, what: string): PlatformError {
  if (err instanceof PlatformError) return err;
  const e = err as { status?: number; message?: string; name?: string; response?: { headers?: Record<string, unknown> } };
  const status = typeof e.status === 'number' && e.status > 0 ? e.status : undefined;
  const message = `${what}: ${e.message ?? String(err)}`;
  // A rate limit (request-limits.ts did not wait it out) says when GitHub lets us back in.
  if (err instanceof RateLimitError) return new PlatformError('github', message, true, status, err.retryAt);
  const http = asHttpFailure(err);
  const limit = http ? limitOf(http, Date.now()) : null;
  if (limit) return new PlatformError('github', message, true, status, limit.allowedAt);
  return new PlatformError('github', message, status === undefined || status >= 500, status);
}

export async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toPlatformError(err, what);
  }
}

export function asSeverity(value: unknown): AlertSeverity | null {
  const v = String(value ?? '').toLowerCase();
  if ((SEVERITIES as string[]).includes(v)) return v as AlertSeverity;
  // Code-scanning rules without a security severity use error / warning / note.
  if (v === 'error') return 'high';
  if (v === 'warning') return 'medium';
  if (v === 'note') return 'low';
  return null;
}
