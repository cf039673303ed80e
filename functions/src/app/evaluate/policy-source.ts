import { defaultPolicy } from '../../config/default-policy';
import { applyPolicyOverride } from '../../config/policy-overrides';
import type { Policy } from '../../config/policy-schema';
import type { ConfigStore } from '../../ports';
import type { EvaluateLogger } from './deps';

/**
 * The policy in force: the shipped default with the Firestore `config/policy` override applied.
 * A bad override (or an unreadable one) is logged and reported, and the last good policy is kept.
 */
export async function loadPolicy(
  config: ConfigStore,
  memo: { policy: Policy },
  logger: EvaluateLogger,
): Promise<{ policy: Policy; error?: string }> {
  let raw: unknown;
  try {
    raw = await config.get('policy');
  } catch (err) {
    const error = `config/policy could not be read: ${String((err as Error)?.message ?? err)}`;
    logger.warn('keeping the last good policy', { error });
    return { policy: memo.policy, error };
  }
  const applied = applyPolicyOverride(defaultPolicy, raw);
  if (!applied.ok) {
    const error = `config/policy is invalid: ${applied.error}`;
    logger.error('ignoring an invalid policy override; keeping the last good policy', { error });
    return { policy: memo.policy, error };
  }
  memo.policy = applied.policy;
  return { policy: applied.policy };
}
