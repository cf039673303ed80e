import { PlatformError, type ActionOutcome, type RollbackContext, type RollbackStep, type RollbackStepName } from '../../ports/platform';
import { isFencedOut } from '../../ports/lease';
import type { RollbackKey, StepRecord } from '../../ports/rollback-ledger';
import type { RollbackDeps } from './deps';

/** Where a step stands after this run: finished, failed for good, or to be continued later. */
export type StepState = 'done' | 'failed' | 'pending';

const FINISHED = new Set(['done', 'already_done', 'skipped']);

function asPlatformError(err: unknown): PlatformError {
  if (err instanceof PlatformError) return err;
  // Anything else (a bug, a store hiccup inside an adapter) is retried within the budget.
  return new PlatformError('github', err instanceof Error ? err.message : String(err), true);
}

/** The state of a step from its record alone, without running it. */
export function stateOf(record: StepRecord | undefined): StepState {
  if (!record) return 'pending';
  if (FINISHED.has(record.status)) return 'done';
  return record.status === 'failed' ? 'failed' : 'pending';
}

/**
 * Runs one step to completion, failure or hand-over. The intent (`started`, tries+1) is written
 * before every call (A2: no outside effect without a durable record), the result right after.
 * Retryable failures wait as told (Retry-After) or back off, within the run's deadline; past it
 * the step is left `waiting` with its retry time for the reconciler. No try starts after the deadline.
 */
async function runStep(
  deps: RollbackDeps,
  key: RollbackKey,
  attempt: number,
  step: RollbackStep,
  ctx: RollbackContext,
  previous: StepRecord | undefined,
  deadline: number,
): Promise<StepState> {
  const { settings, clock, ledger } = deps;
  let record = previous;
  if (stateOf(record) !== 'pending') return stateOf(record);
  let tries = record?.tries ?? 0;
  for (let inRun = 0; ; inRun++) {
    if (tries >= settings.maxTries) {
      await ledger.putStep(key, step.name, { ...record!, status: 'failed', retryable: false, attempt, updatedAt: clock.now(), error: `retry budget of ${settings.maxTries} tries exhausted: ${record?.error ?? ''}` });
      return 'failed';
    }
    const waitUntil = record?.retryAt ?? 0;
    if (waitUntil > clock.now()) {
      if (waitUntil > deadline || inRun >= settings.triesPerRun) return 'pending';
      await deps.sleep(waitUntil - clock.now());
    } else if (inRun >= settings.triesPerRun) {
      return 'pending';
    }
    // No call starts past the run's deadline (C4): the lease is sized for a call begun just before
    // it, and a step reached late (after a slow first phase, a Retry-After of 0) is left to the next run.
    if (clock.now() > deadline) return 'pending';
    tries += 1;
    await ledger.putStep(key, step.name, { status: 'started', tries, attempt, updatedAt: clock.now() });
    let outcome: ActionOutcome;
    try {
      outcome = await step.execute(ctx);
    } catch (err) {
      const pe = asPlatformError(err);
      const now = clock.now();
      const retryAt = pe.retryable ? (pe.retryAt ?? now + settings.backoffBaseMs * 2 ** (tries - 1)) : undefined;
      record = {
        status: pe.retryable ? 'waiting' : 'failed',
        tries,
        attempt,
        updatedAt: now,
        error: `${pe.service}${pe.status ? ` ${pe.status}` : ''}: ${pe.message}`,
        retryable: pe.retryable,
        ...(retryAt !== undefined ? { retryAt } : {}),
        ...(pe.status !== undefined ? { httpStatus: pe.status } : {}),
      };
      await ledger.putStep(key, step.name, record);
      if (!pe.retryable) return 'failed';
      continue;
    }
    // Outside the try: a failed write of the result must not count as a failed call (no resend).
    await ledger.putStep(key, step.name, { status: outcome.status, tries, attempt, updatedAt: clock.now(), detail: outcome.detail });
    return 'done';
  }
}

/**
 * Runs the plan's steps side by side (they touch different platforms and different step
 * documents), after the steps marked `first` have settled (whatever their outcome). A step whose
 * record cannot be written is not run and stays pending; a record refused because this attempt was
 * taken over (FencedOut) stops the run: the next phase is not started and the refusal is rethrown.
 */
export async function runSteps(
  deps: RollbackDeps,
  key: RollbackKey,
  attempt: number,
  steps: RollbackStep[],
  ctx: RollbackContext,
  /** The step records when the caller already knows them (the first holder: none). */
  known?: Partial<Record<RollbackStepName, StepRecord>>,
): Promise<Record<RollbackStepName, StepState>> {
  const records = known ?? (await deps.ledger.getSteps(key));
  const deadline = deps.clock.now() + deps.settings.runDeadlineMs;
  const out = {} as Record<RollbackStepName, StepState>;
  const phases = [steps.filter((s) => s.first), steps.filter((s) => !s.first)];
  for (const phase of phases) {
    const settled = await Promise.allSettled(phase.map((s) => runStep(deps, key, attempt, s, ctx, records[s.name], deadline)));
    const fenced = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : [])).find(isFencedOut);
    if (fenced) throw fenced;
    phase.forEach((s, i) => {
      const r = settled[i];
      out[s.name] = r.status === 'fulfilled' ? r.value : 'pending';
    });
  }
  // The plan's order, whatever ran first (the summary and the audit entry list steps in it).
  return Object.fromEntries(steps.map((s) => [s.name, out[s.name]])) as Record<RollbackStepName, StepState>;
}
