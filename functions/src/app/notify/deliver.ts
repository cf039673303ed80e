import type { NotificationsConfig } from '../../config/notifications';
import type { NotificationEvent } from '../../core/notification';
import { coalesceBucket, coalesces, retryDelayMs, routeEvent } from '../../core/notification-routing';
import type { DestinationState, OutboxItem, OutboxOutcome, OutboxStatus, PostResult } from '../../ports';
import { isFinalOutboxStatus } from '../../ports';
import { loadNotificationsConfig } from './config-source';
import type { NotifyDeps } from './deps';
import { digestEvent, digestPlaceholder } from './digest';

/** Attempts while config/notifications cannot be read (its own maxAttempts is unknown then). */
const DEFAULT_MAX_ATTEMPTS = 8;

export type DeliveryOutcome = OutboxStatus | 'missing' | 'busy' | 'not_due';

/** The status page link of the event's canary (or the page itself), when a status page is configured. */
function withStatusLink(event: NotificationEvent, base: string): NotificationEvent {
  if (!/^https?:\/\//.test(base)) return event;
  const root = base.replace(/\/+$/, '');
  const url = event.canaryId ? `${root}/canaries/${encodeURIComponent(event.canaryId)}` : root;
  return { ...event, links: [{ label: 'Status page', url }, ...event.links] };
}

/**
 * Coalescing: the first pause/resume of a canary in a bucket goes out at once; later ones in the
 * same bucket are held for one digest, sent when the bucket ends. A retry of an item that already
 * passed this check (attempts > 0) is not held again, nor is an item delivered after its bucket.
 */
async function holdForDigest(deps: NotifyDeps, item: OutboxItem, config: NotificationsConfig, now: number): Promise<string | null> {
  if (config.coalesceMinutes === 0 || item.attempts > 0 || !coalesces(item.event)) return null;
  const bucket = coalesceBucket(item.event.at, config.coalesceMinutes);
  if (now >= bucket.end) return null;
  const key = `${item.event.canaryId}-${bucket.start}`;
  if (await deps.outbox.claimBucket(key, now)) return null;
  const digestId = `digest-${key}`.replace(/[^A-Za-z0-9._-]/g, '_');
  await deps.outbox.add(digestPlaceholder(item.event, digestId), bucket.end);
  return digestId;
}

/**
 * Delivers one outbox item: claims an attempt (create() with a lease), routes the event, posts it
 * to every routed destination that does not have it yet (side by side), and records the outcome:
 * sent; retry with exponential backoff; dead after `maxAttempts` or when a destination refuses it
 * for good. `fromTrigger`: a new item may go before its sweeper time (digests never early).
 */
export async function deliverNotification(deps: NotifyDeps, id: string, holder: string, fromTrigger = false): Promise<DeliveryOutcome> {
  const { outbox, clock, logger } = deps;
  const now = clock.now();
  const item = await outbox.get(id);
  if (!item) return 'missing';
  if (isFinalOutboxStatus(item.status)) return item.status;
  const early = fromTrigger && item.status === 'pending' && item.event.kind !== 'canary_flapping';
  if (item.nextAttemptAt > now && !early) return 'not_due';
  const claim = await outbox.claim(id, holder, now, deps.leaseMs);
  if (!claim.ok) return claim.reason === 'missing' ? 'missing' : claim.reason === 'final' ? ((await outbox.get(id))?.status ?? 'missing') : 'busy';
  const attempt = claim.attempt;
  const finish = async (outcome: OutboxOutcome) => {
    await outbox.finish(id, attempt, outcome, clock.now());
    return outcome.status;
  };

  const read = await loadNotificationsConfig(deps.config, deps.configMemo, (m, d) => logger.warn(m, d));
  if (!read.ok) return finish(retryOrDead(attempt, DEFAULT_MAX_ATTEMPTS, now, item.destinations, read.error));
  const config = read.config;

  const digestId = await holdForDigest(deps, item, config, now);
  if (digestId) return finish({ status: 'held', destinations: {}, digestId });

  let event = item.event;
  if (event.kind === 'canary_flapping') event = digestEvent(event, await outbox.held(id));
  const routed = routeEvent(config.routes, event);
  if (routed.length === 0) return finish({ status: 'unrouted', destinations: {} });
  event = withStatusLink(event, deps.statusPageUrl);

  const destinations: Record<string, DestinationState> = { ...item.destinations };
  const todo = routed.filter((name) => destinations[name]?.status !== 'sent' && destinations[name]?.status !== 'refused');
  const results = await Promise.all(
    todo.map(async (name): Promise<[string, PostResult]> => {
      const dest = config.destinations[name];
      const notifier = deps.notifier(name, config.dryRun || !dest ? { kind: 'noop' } : dest);
      try {
        return [name, await notifier.post(event, id)];
      } catch (err) {
        return [name, { ok: false, retryable: true, error: String((err as Error)?.message ?? err) }];
      }
    }),
  );
  let retryAt = 0;
  const errors: string[] = [];
  for (const [name, r] of results) {
    const tries = (destinations[name]?.tries ?? 0) + 1;
    if (r.ok) {
      destinations[name] = { status: 'sent', at: clock.now(), tries, ...(r.detail ? { detail: r.detail } : {}) };
      continue;
    }
    destinations[name] = { status: r.retryable ? 'failed' : 'refused', at: clock.now(), tries, detail: r.error };
    errors.push(`${name}: ${r.error}`);
    if (r.retryable) retryAt = Math.max(retryAt, r.retryAt ?? 0);
    logger.warn('notification not delivered', { id, destination: name, error: r.error, retryable: r.retryable, attempt });
  }
  const states = routed.map((n) => destinations[n]?.status);
  if (states.every((s) => s === 'sent')) return finish({ status: 'sent', destinations });
  if (!states.includes('failed')) return finish({ status: 'dead', destinations, lastError: errors.join('; ') || 'refused by a destination' });
  return finish(retryOrDead(attempt, config.maxAttempts, now, destinations, errors.join('; '), retryAt));
}

/** A failed attempt: try again after the backoff (or the receiver's Retry-After), or give up after the last one. */
function retryOrDead(attempt: number, maxAttempts: number, now: number, destinations: Record<string, DestinationState>, error: string, retryAt = 0): OutboxOutcome {
  if (attempt >= maxAttempts) return { status: 'dead', destinations, lastError: `gave up after ${attempt} attempts: ${error}` };
  return { status: 'retry', nextAttemptAt: Math.max(now + retryDelayMs(attempt), retryAt), destinations, lastError: error };
}
