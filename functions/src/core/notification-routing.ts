import type { RouteConfig } from '../config/notifications';
import { severityRank, type NotificationEvent } from './notification';

/**
 * The destinations of one event: every route whose filters all match sends it to its `to`, each
 * destination once. A filter left out matches everything; an event with no platform or channel
 * (a guardian check of an unknown platform) matches only routes that do not filter on it.
 */
export function routeEvent(routes: readonly RouteConfig[], event: NotificationEvent): string[] {
  const out = new Set<string>();
  for (const r of routes) {
    if (!r.events.includes('*') && !r.events.includes(event.kind)) continue;
    if (r.platforms && !r.platforms.some((p) => p === event.platform)) continue;
    if (r.channels && !r.channels.some((c) => c === event.channel)) continue;
    if (severityRank(event.severity) < severityRank(r.minSeverity)) continue;
    for (const name of r.to) out.add(name);
  }
  return [...out];
}

const RETRY_BASE_MS = 60_000;
const RETRY_CAP_MS = 60 * 60_000;

/**
 * Exponential backoff after the n-th failed attempt: 1, 2, 4, 8, 16, 32, 60, 60 ... minutes, so
 * eight attempts span about two hours (a receiver's outage of that length is still delivered).
 * A receiver's Retry-After later than that wins.
 */
export function retryDelayMs(attempt: number): number {
  return Math.min(RETRY_BASE_MS * 2 ** Math.max(0, attempt - 1), RETRY_CAP_MS);
}

/** The coalescing bucket of an event: aligned to the clock, `minutes` long. */
export function coalesceBucket(at: number, minutes: number): { start: number; end: number } {
  const size = minutes * 60_000;
  const start = Math.floor(at / size) * size;
  return { start, end: start + size };
}

/** Only these flap: a canary on the edge of a threshold pauses and resumes again and again. */
export function coalesces(event: NotificationEvent): boolean {
  return (event.kind === 'canary_paused' || event.kind === 'canary_resumed') && event.canaryId !== null;
}
