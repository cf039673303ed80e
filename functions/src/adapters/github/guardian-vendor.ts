import { PlatformError, type AlertSeverity } from '../../ports';

/** Translation of Octokit's errors and GitHub's severities into the guardian port's terms. */

export const SEVERITIES: AlertSeverity[] = ['critical', 'high', 'medium', 'low'];

/** Octokit errors carry `status` and `response.headers`; anything else (abort, socket) has neither. */
export function toPlatformError(err: unknown, what: string): PlatformError {
  if (err instanceof PlatformError) return err;
  const e = err as { status?: number; message?: string; name?: string; response?: { headers?: Record<string, string> } };
  const status = typeof e.status === 'number' && e.status > 0 ? e.status : undefined;
  const retryable = status === undefined || status === 429 || status >= 500 || (status === 403 && e.response?.headers?.['x-ratelimit-remaining'] === '0');
  const retryAfter = Number(e.response?.headers?.['retry-after']);
  return new PlatformError('github', `${what}: ${e.message ?? String(err)}`, retryable, status, Number.isFinite(retryAfter) ? Date.now() + retryAfter * 1000 : undefined);
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
