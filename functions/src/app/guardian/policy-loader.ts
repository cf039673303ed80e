import { defaultGuardianPolicy, GuardianPolicySchema, type GuardianPolicy } from '../../config/guardian-policy';
import type { Clock, ConfigStore } from '../../ports';

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
 * Reads are cached for `ttlMs` so a burst of CI calls costs one Firestore read.
 */
export function createGuardianPolicyLoader(config: ConfigStore, clock: Clock, ttlMs = 30_000): () => Promise<LoadedPolicy> {
  let lastGood: GuardianPolicy | null = null;
  let cached: { at: number; value: LoadedPolicy } | null = null;
  return async () => {
    const now = clock.now();
    if (cached && now - cached.at < ttlMs) return cached.value;
    let value: LoadedPolicy;
    try {
      const raw = await config.get('guardian');
      if (raw === null) {
        value = { policy: defaultGuardianPolicy, source: 'defaults' };
      } else {
        const parsed = GuardianPolicySchema.safeParse(raw);
        if (parsed.success) {
          lastGood = parsed.data;
          value = { policy: parsed.data, source: 'stored' };
        } else {
          const warning = `config/guardian is invalid (${parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ')})`;
          value = { policy: lastGood ?? defaultGuardianPolicy, source: lastGood ? 'last_good' : 'defaults', warning };
        }
      }
    } catch (err) {
      const warning = `config/guardian could not be read: ${(err as Error).message}`;
      value = { policy: lastGood ?? defaultGuardianPolicy, source: lastGood ? 'last_good' : 'defaults', warning };
    }
    cached = { at: now, value };
    return value;
  };
}
