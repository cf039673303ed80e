import type { DocumentSnapshot } from 'firebase-admin/firestore';
import { onDocumentWritten, type Change, type FirestoreEvent } from 'firebase-functions/firestore';
import * as logger from 'firebase-functions/logger';
import { GITHUB_TOKEN } from '../config/params';
import { CANARY_STATUSES } from '../core/canary';
import type { RollbackDeps } from '../app/rollback/deps';
import type { RollbackRunOutcome } from '../app/rollback/handle';

type CanaryWrite = FirestoreEvent<Change<DocumentSnapshot> | undefined, { canaryId: string }>;

const ROLLBACK_STATUSES = new Set(['rollback_requested', 'rolling_back']);
const KNOWN = new Set<string>(CANARY_STATUSES);

/**
 * One canary write. The event's snapshot only decides whether to look (the evaluator writes every
 * canary every minute: those events cost no read); what is done is decided from the current
 * stored document. A status nobody knows is looked at too, so a broken document is quarantined.
 * Collaborators are built only for the events that need them.
 */
export async function onCanaryWrite(deps: () => Promise<RollbackDeps>, event: CanaryWrite): Promise<RollbackRunOutcome | 'ignored'> {
  const after = event.data?.after;
  if (!after?.exists) return 'ignored';
  const status = after.get('status') as unknown;
  if (status === 'invalid') return 'ignored';
  if (typeof status === 'string' && KNOWN.has(status) && !ROLLBACK_STATUSES.has(status)) return 'ignored';
  // Loaded only for the writes that need it (most events are the evaluator's own writes).
  const { handleRollback } = await import('../app/rollback/handle');
  const outcome = await handleRollback(await deps(), event.params.canaryId, `event:${event.id}`);
  logger.info('canary write handled', { canaryId: event.params.canaryId, eventId: event.id, outcome });
  return outcome;
}

/**
 * Builds the trigger around a deps provider: index.ts passes the production one, tests their fakes.
 * Retries stay off: a failed run is picked up by the reconciler (level-triggered), which bounds
 * the retries by the step budget instead of 24 h of redeliveries.
 */
export function makeCanaryTrigger(deps: () => Promise<RollbackDeps>) {
  return onDocumentWritten({ document: 'canaries/{canaryId}', secrets: [GITHUB_TOKEN], retry: false }, async (event) => {
    await onCanaryWrite(deps, event);
  });
}

export const canaryRollbackTrigger = makeCanaryTrigger(() => import('./rollback-wiring').then((m) => m.productionRollbackDeps()));
