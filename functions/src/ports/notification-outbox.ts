import type { NotificationEvent } from '../core/notification';

/**
 * pending: waiting for its first delivery; retry: a delivery failed, next try at nextAttemptAt;
 * sent: every routed destination has it; dead: gave up (N failures, or a destination refused it
 * for good), shown on the status page; unrouted: no route matched, nothing to send; held: folded
 * into the canary's flap digest (coalescing), sent as part of that digest.
 */
export const OUTBOX_STATUSES = ['pending', 'retry', 'sent', 'dead', 'unrouted', 'held'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

export function isFinalOutboxStatus(s: OutboxStatus): boolean {
  return s === 'sent' || s === 'dead' || s === 'unrouted' || s === 'held';
}

/** One destination's side of one message. */
export interface DestinationState {
  status: 'sent' | 'failed' | 'refused';
  at: number;
  tries: number;
  detail?: string;
}

export interface OutboxItem {
  id: string;
  event: NotificationEvent;
  status: OutboxStatus;
  /** Delivery attempts made so far. */
  attempts: number;
  /** When the sweeper may try (again), ms. */
  nextAttemptAt: number;
  destinations: Record<string, DestinationState>;
  lastError?: string;
  /** For held items: the digest that carries them. */
  digestId?: string;
}

export interface OutboxOutcome {
  status: OutboxStatus;
  nextAttemptAt?: number;
  destinations: Record<string, DestinationState>;
  lastError?: string;
  digestId?: string;
}

export type OutboxClaim = { ok: true; attempt: number } | { ok: false; reason: 'busy' | 'final' | 'missing' };

/**
 * The notification outbox. Items are written in the same write as their audit entry (the audit
 * log adapter does it); this port delivers them. A delivery is claimed before anything is sent:
 * create() of attempt n with a lease, as the rollback attempts are, so two invocations never send
 * the same item at once.
 */
export interface NotificationOutbox {
  get(id: string): Promise<OutboxItem | null>;
  claim(id: string, holder: string, now: number, leaseMs: number): Promise<OutboxClaim>;
  /** Records the attempt's outcome on the item and ends the attempt's lease. */
  finish(id: string, attempt: number, outcome: OutboxOutcome, now: number): Promise<void>;
  /** Ids of pending / retry items due at `now`, oldest due first. */
  due(now: number, limit: number): Promise<string[]>;
  /** Dead letters, newest first (the status page). */
  deadLetters(limit: number): Promise<OutboxItem[]>;
  /** Adds an item that has no audit entry of its own (a digest), due at `dueAt`; false when it exists already. */
  add(event: NotificationEvent, dueAt: number): Promise<boolean>;
  /** The items held for a digest, oldest first. */
  held(digestId: string): Promise<OutboxItem[]>;
  /** Claims the first message of a coalescing bucket (create() of its key); false when taken. */
  claimBucket(key: string, now: number): Promise<boolean>;
}
