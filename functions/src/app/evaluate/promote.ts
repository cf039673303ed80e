import type { Canary, RolloutState } from '../../core/canary';
import { promotedShare } from '../../core/cohort-shares';
import type { RolloutEffect, TickResult } from '../../core/tick';
import { isCanaryConflict, type AuditEntry, type CanaryWriteOptions } from '../../ports';
import type { EvaluateDeps } from './deps';

type PromoteEffect = Extract<RolloutEffect, { kind: 'promote' }>;
/** An audit entry of this canary and tick (act.ts adds the canary, the trigger and the explanation). */
export type EntryOf = (action: string, meta: Record<string, unknown>) => AuditEntry;

/** What the tick writes once the platform promoted: its fields, the new position, and the status it gives. */
export interface PromotionWrite {
  base: Record<string, unknown>;
  state: RolloutState;
  status: Record<string, unknown>;
}

/** A landing refused because the canary changed after it was read is re-read and tried again, this many times. */
const CONFLICT_RETRIES = 5;

/**
 * Promotion, exactly once per stage: create() of `promote-<channel>-<stage>` claims it, the status
 * shows `promoting` while the platform acts, and `canary_promote` is audited once per stage. A
 * platform failure pauses the canary with the reason; its position does not move. Once the platform
 * acted, the new position, the web cohort share and the audit entry land together (landPromotion).
 */
export async function promote(
  deps: EvaluateDeps,
  canary: Canary,
  effect: PromoteEffect,
  result: TickResult,
  entryOf: EntryOf,
  fenced: CanaryWriteOptions,
  write: PromotionWrite,
): Promise<'done' | 'superseded' | 'failed' | `position:${string}`> {
  const { canaries, actuators, logger, clock, audit } = deps;
  const stageKey = `${canary.rollout.channel}-${canary.rollout.stageIndex}`;
  const claimed = await canaries.claim(canary.id, `promote-${stageKey}`, { from: effect.from, to: effect.to, at: clock.now() });
  if (!claimed) {
    // Another run promoted this stage: take back the `promoting` this tick showed.
    await canaries.update(canary.id, { status: canary.status }, fenced).catch((err: unknown) => {
      if (!isCanaryConflict(err)) throw err;
    });
    return 'superseded';
  }
  let outcome;
  try {
    outcome = await actuators.promote(canary, effect.from, effect.to);
  } catch (err) {
    const message = String((err as Error)?.message ?? err);
    const reason = `Promotion ${effect.from.channel} ${effect.from.rolloutPercent}% -> ${effect.to.channel} ${effect.to.rolloutPercent}% failed: ${message}`;
    logger.error('promotion failed; canary paused for an operator', { canaryId: canary.id, error: message });
    // Paused as an operator would pause it (the position is untouched): the evaluator keeps
    // judging but neither resumes nor promotes it again on its own; the stage's claim is spent.
    await canaries.update(canary.id, { status: 'paused', pauseReason: reason }, fenced).catch((e: unknown) => {
      // A rollback requested meanwhile stands; the failure is still audited below.
      if (!isCanaryConflict(e)) throw e;
    });
    await audit.append(entryOf('canary_promote_failed', { from: effect.from, to: effect.to, reason }), `canary_promote_failed:${canary.id}:${stageKey}`);
    return 'failed';
  }
  const meta = { from: effect.from, to: effect.to, reason: result.evaluation.reasons.join('; '), platform_action: outcome };
  return landPromotion(deps, canary, effect, entryOf, `canary_promote:${canary.id}:${effect.to.channel}:${effect.to.rolloutPercent}`, meta, fenced, write);
}

/**
 * The promotion's state change in one unit: the new position, the web canary's cohort share raised
 * to the new stage's (what the cohort router reads: beta 25 %), and the `canary_promote` entry that
 * says so. Computed from a fresh read and written only on that read's version, so nothing another
 * writer stored meanwhile is overwritten from an older view: a pause set while the platform acted
 * stands, a rollback requested meanwhile refuses the write (its share of 0 is never raised again),
 * a position someone moved is left alone. Refused for good, the platform's action is still audited,
 * saying the position was not written.
 */
async function landPromotion(
  deps: EvaluateDeps,
  canary: Canary,
  effect: PromoteEffect,
  entryOf: EntryOf,
  key: string,
  meta: Record<string, unknown>,
  fenced: CanaryWriteOptions,
  write: PromotionWrite,
): Promise<'done' | `position:${string}`> {
  const { canaries, audit, clock, logger } = deps;
  const alone = async (reason: string, why: string): Promise<`position:${string}`> => {
    logger.error('promoted, but the new position was not written: the canary changed meanwhile', { canaryId: canary.id, reason, error: why });
    await audit.append(entryOf('canary_promote', { ...meta, position_written: false, position_not_written: why }), key);
    return `position:${reason}`;
  };
  for (let i = 0; ; i++) {
    const read = await canaries.get(canary.id);
    if (!read?.ok) return alone(read ? 'invalid' : 'missing', `canary ${canary.id} is ${read ? `invalid: ${read.error}` : 'missing'}`);
    const fresh = read.canary;
    if (fresh.rollout.channel !== canary.rollout.channel || fresh.rollout.stageIndex !== canary.rollout.stageIndex) {
      return alone('moved', `the position was moved meanwhile to ${fresh.rollout.channel} stage ${fresh.rollout.stageIndex + 1}`);
    }
    const cohort = promotedShare(fresh, effect.to, clock.now());
    // Paused by someone else while the platform acted: the new position is written, the pause stands.
    const status = fresh.status === 'paused' ? {} : write.status;
    const patch = { ...write.base, rollout: write.state, ...status, ...(cohort ? { cohort } : {}) };
    const share = cohort ? { share: { channel: effect.to.channel, from: cohort.previousShare, to: cohort.share } } : {};
    try {
      await canaries.update(canary.id, patch, { ...fenced, ifVersion: read.version, audit: [{ entry: entryOf('canary_promote', { ...meta, ...share }), idempotencyKey: key }] });
      return 'done';
    } catch (err) {
      if (!isCanaryConflict(err)) {
        // The store failed: the platform did act, so its entry is attempted on its own before the error goes up.
        await audit.append(entryOf('canary_promote', { ...meta, position_written: false, position_not_written: String((err as Error)?.message ?? err) }), key).catch(() => undefined);
        throw err;
      }
      // The entry is stored: this very landing already happened (its unit carried the position).
      if (err.reason === 'duplicate') return 'done';
      if (err.reason === 'changed' && i < CONFLICT_RETRIES) continue;
      return alone(err.reason, err.message);
    }
  }
}
