import { policySchema, type Policy } from './policy-schema';
import { describeZodError } from './policy-paths';

/** Result of applying an override: the new policy, or the first bad field by its path. */
export type PolicyOverrideResult = { ok: true; policy: Policy } | { ok: false; error: string };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Objects merge key by key; arrays and scalars replace. Keys absent from the current policy are
// kept so that the strict schema can reject them by name instead of them vanishing.
function deepMerge(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    out[key] = key in base ? deepMerge(base[key], value) : value;
  }
  return out;
}

/**
 * Deep-merges a partial override (from `--policy FILE` or the Firestore `config/policy`
 * document) onto `current` and validates the result. On failure the caller keeps `current`.
 */
export function applyPolicyOverride(current: Policy, override: unknown): PolicyOverrideResult {
  if (override === undefined || override === null) return { ok: true, policy: current };
  if (!isPlainObject(override)) return { ok: false, error: '(root): must be an object' };
  const parsed = policySchema.safeParse(deepMerge(current, override));
  if (!parsed.success) return { ok: false, error: describeZodError(parsed.error) };
  return { ok: true, policy: parsed.data };
}
