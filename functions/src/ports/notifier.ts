import type { NotificationEvent } from '../core/notification';

/** How one post went: failure is data, with whether trying again can help (and not before when). */
export type PostResult = { ok: true; detail?: string } | { ok: false; retryable: boolean; error: string; retryAt?: number };

/**
 * One destination (a Slack webhook, a Chat space, a mail list, a signed webhook): Flagger's
 * notifier shape, one method. `idempotencyKey` is the same on every retry of the same message, so
 * a receiver that saw it already can drop the repeat.
 */
export interface Notifier {
  /** The destination's name in config/notifications (never its URL: that may hold a token). */
  readonly destination: string;
  post(event: NotificationEvent, idempotencyKey: string): Promise<PostResult>;
}
