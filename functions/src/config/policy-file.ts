import { readFileSync } from 'node:fs';
import { defaultPolicy } from './default-policy';
import { applyPolicyOverride, type PolicyOverrideResult } from './policy-overrides';
import type { Policy } from './policy-schema';

/**
 * Reads a JSON policy override file (`--policy FILE`) and applies it to `base` (the shipped
 * defaults unless given). Never throws: an unreadable file or bad JSON is an error result.
 */
export function loadPolicyFile(path: string, base: Policy = defaultPolicy): PolicyOverrideResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { ok: false, error: `${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `${path}: invalid JSON (${(err as Error).message})` };
  }
  const result = applyPolicyOverride(base, json);
  return result.ok ? result : { ok: false, error: `${path}: ${result.error}` };
}
