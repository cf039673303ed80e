import type { Clock, KeyUsage, TelemetryStore } from '../../ports';
import type { UsageSource } from './group-commit';

export const DEFAULT_REPORTS_PER_MINUTE = 120_000;

export interface KeyBudgetOptions {
  /** How old the summed usage of the other instances may be before it is read again (ms). */
  refreshMs: number;
  /** At most one usage write per key per this many ms per instance (it rides on a group commit). */
  flushMs: number;
  /** Wait for a stale re-read instead of doing it in the background (tests that need the exact shared count). */
  awaitRefresh?: boolean;
}

export const DEFAULT_KEY_BUDGET: KeyBudgetOptions = { refreshMs: 2_000, flushMs: 1_000 };

interface KeyMinute {
  minute: number;
  /** Accepted by this instance this minute. */
  local: number;
  /** What this instance last wrote (part of `shared`). */
  flushed: number;
  flushedAt: number;
  /** Sum over every instance's usage document, as last read. */
  shared: number;
  readAt: number;
  reading?: Promise<void>;
}

/**
 * A key's budget (reports per minute) across instances: each instance writes its own count into a
 * per-minute usage document inside its group commits (at most once a second), and reads the sum of
 * every instance's documents at most every 2 s. The budget can be overrun by what the other
 * instances accepted in the last ~3 s: it bounds cost and abuse, it is not an exact quota.
 */
export function createKeyBudget(store: Pick<TelemetryStore, 'keyUsage'>, clock: Clock, instance: string, options: KeyBudgetOptions = DEFAULT_KEY_BUDGET) {
  const keys = new Map<string, KeyMinute>();

  function current(keyId: string, now: number): KeyMinute {
    const minute = Math.floor(now / 60_000) * 60_000;
    let k = keys.get(keyId);
    if (!k || k.minute !== minute) {
      k = { minute, local: 0, flushed: 0, flushedAt: 0, shared: 0, readAt: -Infinity };
      keys.set(keyId, k);
    }
    return k;
  }

  function refresh(keyId: string, k: KeyMinute): Promise<void> {
    k.reading ??= store
      .keyUsage(keyId, k.minute)
      .then((sum) => {
        k.shared = Math.max(sum, k.flushed);
        k.readAt = clock.now();
      })
      .finally(() => (k.reading = undefined));
    return k.reading;
  }

  const usage: UsageSource = {
    take() {
      const now = clock.now();
      const rows: KeyUsage[] = [];
      for (const [keyId, k] of keys) {
        if (k.local !== k.flushed && now - k.flushedAt >= options.flushMs) {
          rows.push({ keyId, minute: k.minute, instance, reports: k.local });
          k.shared += k.local - k.flushed;
          k.flushed = k.local;
          k.flushedAt = now;
        }
      }
      return rows;
    },
    giveBack(rows) {
      for (const row of rows) {
        const k = keys.get(row.keyId);
        // Written again with the next commit (the count is absolute, so a late write is still right).
        if (k && k.minute === row.minute) (k.flushed = -1, k.flushedAt = 0);
      }
    },
  };

  return {
    usage,
    /** 0 when the key may report now, else seconds until its next minute. The first call per key and minute reads the shared usage. */
    async retryAfter(keyId: string, limit: number): Promise<number> {
      const now = clock.now();
      const k = current(keyId, now);
      if (k.readAt === -Infinity) await refresh(keyId, k);
      else if (now - k.readAt >= options.refreshMs) {
        if (options.awaitRefresh) await refresh(keyId, k);
        else void refresh(keyId, k).catch(() => undefined);
      }
      const used = k.shared - k.flushed + k.local;
      return used >= limit ? Math.max(1, Math.ceil((k.minute + 60_000 - now) / 1000)) : 0;
    },
    /** Counts reports this instance is recording for the key (counted before the commit so the commit carries them; -1 takes one back). */
    count(keyId: string, n: number): void {
      current(keyId, clock.now()).local += n;
    },
  };
}

export type KeyBudget = ReturnType<typeof createKeyBudget>;
