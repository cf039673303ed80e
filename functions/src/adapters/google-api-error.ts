import type { Clock } from '../ports/clock';
import { PlatformError } from '../ports/platform';

/**
 * A googleapis (gaxios) failure in the project's terms: 5xx, 429 and network errors are
 * retryable, with Retry-After honoured; other 4xx are permanent.
 */
export function toGooglePlatformError(err: unknown, service: 'play' | 'hosting', clock: Clock, what: string): PlatformError {
  if (err instanceof PlatformError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    status?: unknown;
    message?: unknown;
    response?: { status?: unknown; headers?: unknown };
  };
  const status = typeof e.response?.status === 'number' ? e.response.status : typeof e.status === 'number' ? e.status : undefined;
  const message = `${what}: ${typeof e.message === 'string' ? e.message : String(err)}`;
  if (status === undefined) return new PlatformError(service, message, true);
  const headers = e.response?.headers as { get?: (n: string) => string | null } | Record<string, string> | undefined;
  const raw = typeof headers?.get === 'function' ? headers.get('retry-after') : (headers as Record<string, string> | undefined)?.['retry-after'];
  const seconds = Number(raw);
  const retryAt = raw != null && Number.isFinite(seconds) ? clock.now() + seconds * 1000 : undefined;
  return new PlatformError(service, message, status === 429 || status >= 500, status, retryAt);
}
