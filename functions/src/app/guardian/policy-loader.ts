import { defaultGuardianPolicy, GuardianPolicySchema, type GuardianPolicy } from '../../config/guardian-policy';
import type { Clock, ConfigStore } from '../../ports';
import { ttlMemo } from '../ttl-memo';

export interface LoadedPolicy {
  policy: GuardianPolicy;
  /** stored: the document as read; defaults: no document; last_good: the document is invalid or unreadable. */
  source: 'stored' | 'defaults' | 'last_good';
  /** Why the stored document was not used. */
  warning?: string;
}

/**
 * Reads `config/guardian` through the ConfigStore, validates it, and keeps the last good version:
 * a bad edit to the policy never disables the gate nor falls back to looser defaults silently.
 * A read is used for at most `ttlMs` (from when it started), so an edit is in force within that
 * time; concurrent callers share one read. In the second half of that time the next read starts in
 * the background, so a steady stream of gates never waits on Firestore before its checks start.
 */
export function createGuardianPolicyLoader(config: ConfigStore, clock: Clock, ttlMs = 30_000): () => Promise<LoadedPolicy> {
  let lastGood: GuardianPolicy | null = null;

  async function read(): Promise<LoadedPolicy> {
    try {
      const raw = await config.get('guardian');
      if (raw === null) return { policy: defaultGuardianPolicy, source: 'defaults' };
      const parsed = GuardianPolicySchema.safeParse(raw);
      if (parsed.success) {
        lastGood = parsed.data;
        return { policy: parsed.data, source: 'stored' };
      }
      const warning = `config/guardian is invalid (${parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ')})`;
      return { policy: lastGood ?? defaultGuardianPolicy, source: lastGood ? 'last_good' : 'defaults', warning };
    } catch (err) {
      const warning = `config/guardian could not be read: ${(err as Error).message}`;
      return { policy: lastGood ?? defaultGuardianPolicy, source: lastGood ? 'last_good' : 'defaults', warning };
    }
  }

  // read() never fails (a bad or unreadable document is answered from the last good one), so every read is kept.
  const memo = ttlMemo(clock, () => ttlMs, read, { ageFromStart: true, refreshAhead: true });
  return () => memo.get();
}
