import type { Canary, CanaryStatus } from '../core/canary';
import type { Platform } from '../core/types';

/** A stored canary, or the report of a document that failed its schema (never silently repaired). */
export type CanaryRead = { ok: true; canary: Canary } | { ok: false; id: string; error: string };

export interface CanaryListQuery {
  status?: CanaryStatus | CanaryStatus[];
  platform?: Platform;
  limit?: number;
}

/**
 * Canary documents. Writes of a status and its effects are claimed first (create() of a claim
 * document), so two overlapping invocations can never both act.
 */
export interface CanaryStore {
  get(id: string): Promise<CanaryRead | null>;
  list(query: CanaryListQuery): Promise<CanaryRead[]>;
  /** Creates the canary unless one with its id exists; returns the stored one either way. */
  createIfAbsent(canary: Canary): Promise<{ created: boolean; canary: CanaryRead }>;
  /** Merges the given fields (dot paths allowed for nested maps) and bumps updatedAt. */
  update(id: string, patch: Record<string, unknown>): Promise<void>;
  /** Quarantines a document that failed its schema: status 'invalid' with the message. */
  markInvalid(id: string, error: string): Promise<void>;
  /**
   * create() of `canaries/{id}/claims/{key}`: true for the one caller that created it, false for
   * every other (ALREADY_EXISTS). Keys: `tick-<scheduleTime>`, `rollback-<generation>`, ...
   */
  claim(id: string, key: string, data: Record<string, unknown>): Promise<boolean>;
}
