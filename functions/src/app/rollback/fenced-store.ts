import type { CanaryStore } from '../../ports/canary-store';
import type { Fence } from '../../ports/lease';

/**
 * The canary store as seen by one rollback attempt: every canary write carries the attempt's fence
 * (so a holder whose attempt was taken over writes nothing) and writes as the rollback (which may
 * move a canary between rollback states; nothing else may).
 */
export function fencedCanaryStore(store: CanaryStore, fence: Fence): CanaryStore {
  return {
    get: (id) => store.get(id),
    list: (query) => store.list(query),
    createIfAbsent: (canary, options) => store.createIfAbsent(canary, options),
    update: (id, patch, options) => store.update(id, patch, { by: 'rollback', ...options, fence }),
    markInvalid: (id, error, options) => store.markInvalid(id, error, options),
    claim: (id, key, data) => store.claim(id, key, data),
    recordEvaluation: (id, key, record) => store.recordEvaluation(id, key, record),
    listEvaluations: (id, limit, before) => store.listEvaluations(id, limit, before),
  };
}
