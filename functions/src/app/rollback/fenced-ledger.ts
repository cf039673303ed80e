import type { Fence } from '../../ports/lease';
import type { RollbackLedger } from '../../ports/rollback-ledger';

/**
 * The rollback ledger as seen by one attempt: its plan, step records and breaker slot are written
 * only while the attempt is still the current one (checked by the store in the same transaction).
 * A step's intent is recorded before its outside call, so a holder fenced out makes no further call.
 */
export function fencedLedger(ledger: RollbackLedger, fence: Fence): RollbackLedger {
  return {
    acquire: (key, holder, now, leaseMs) => ledger.acquire(key, holder, now, leaseMs),
    release: (key, attempt, now, stoppedBecause) => ledger.release(key, attempt, now, stoppedBecause),
    createPlan: (key, plan) => ledger.createPlan(key, plan, fence),
    getPlan: (key) => ledger.getPlan(key),
    getSteps: (key) => ledger.getSteps(key),
    putStep: (key, step, record) => ledger.putStep(key, step, record, fence),
    takeBreakerSlot: (hour, limit, owner) => ledger.takeBreakerSlot(hour, limit, owner, fence),
  };
}
