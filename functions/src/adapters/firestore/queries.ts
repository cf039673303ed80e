import type { Query, WhereFilterOp } from 'firebase-admin/firestore';

/**
 * Every query the code runs, declared as a shape: one place to read what needs an index.
 * test/adapters/firestore/indexes.test.ts derives from these shapes the composite indexes
 * firestore.indexes.json must declare. A query written inline elsewhere in src/ must have literal
 * arguments; it passes unmarked only when single-field indexes serve it, and otherwise must carry
 * `// query-shape: <name>` in its statement and match that registered shape.
 */
export interface QueryShape {
  /** The collection id queried (its last path segment). */
  collectionGroup: string;
  scope: 'COLLECTION' | 'COLLECTION_GROUP';
  /** Fields filtered with `==` (or `in` when the value given is an array). */
  equality: readonly string[];
  /** A field filtered with ranges (<, <=, >, >=); Firestore requires it to be the first orderBy. */
  range?: string;
  orderBy: readonly { field: string; direction: 'asc' | 'desc' }[];
}

export const QUERY_SHAPES = {
  auditNewest: { collectionGroup: 'admin_audit', scope: 'COLLECTION', equality: [], orderBy: [{ field: 'ts', direction: 'desc' }] },
  auditByTarget: { collectionGroup: 'admin_audit', scope: 'COLLECTION', equality: ['targetId'], orderBy: [{ field: 'ts', direction: 'desc' }] },
  auditByAction: { collectionGroup: 'admin_audit', scope: 'COLLECTION', equality: ['action'], orderBy: [{ field: 'ts', direction: 'desc' }] },
  auditByTargetAndAction: {
    collectionGroup: 'admin_audit',
    scope: 'COLLECTION',
    equality: ['targetId', 'action'],
    orderBy: [{ field: 'ts', direction: 'desc' }],
  },
  /** The sealer's window: entries written in (from, to], oldest first. */
  auditSealWindow: {
    collectionGroup: 'admin_audit',
    scope: 'COLLECTION',
    equality: [],
    range: 'createdAt',
    orderBy: [{ field: 'createdAt', direction: 'asc' }],
  },
  digestsNewest: { collectionGroup: 'admin_audit_digests', scope: 'COLLECTION', equality: [], orderBy: [{ field: 'seq', direction: 'desc' }] },
  // Canaries are filtered by equality only, never ordered by a field: Firestore leaves a document
  // without the ordered field out of an ordered query, and a canary whose updatedAt was deleted in
  // the console must still be listed (and quarantined), not silently skipped. The adapter sorts.
  canariesAll: { collectionGroup: 'canaries', scope: 'COLLECTION', equality: [], orderBy: [] },
  canariesByStatus: { collectionGroup: 'canaries', scope: 'COLLECTION', equality: ['status'], orderBy: [] },
  canariesByPlatform: { collectionGroup: 'canaries', scope: 'COLLECTION', equality: ['platform'], orderBy: [] },
  canariesByPlatformAndStatus: { collectionGroup: 'canaries', scope: 'COLLECTION', equality: ['platform', 'status'], orderBy: [] },
  // Rolled-back canaries whose recovery the evaluator still watches (equality only: no composite index).
  canariesWatchingRecovery: { collectionGroup: 'canaries', scope: 'COLLECTION', equality: ['status', 'recoveryWatch'], orderBy: [] },
  // Canaries with an open MTTR flag: one equality on a nested field (no composite index).
  canariesMttrMissed: { collectionGroup: 'canaries', scope: 'COLLECTION', equality: ['mttrMissed.open'], orderBy: [] },
  /** A canary's decisions, newest first; the status page pages back with `scheduleTime < before`. */
  evaluationsNewest: { collectionGroup: 'evaluations', scope: 'COLLECTION', equality: [], range: 'scheduleTime', orderBy: [{ field: 'scheduleTime', direction: 'desc' }] },
  /** A canary's decisions since a time, oldest first: the backtest's read (single-field index). */
  evaluationsSince: { collectionGroup: 'evaluations', scope: 'COLLECTION', equality: [], range: 'scheduleTime', orderBy: [{ field: 'scheduleTime', direction: 'asc' }] },
  /** Notification outbox items whose (next) delivery is due: the sweeper's query. */
  outboxDue: { collectionGroup: 'notification_outbox', scope: 'COLLECTION', equality: ['status'], range: 'nextAttemptAt', orderBy: [{ field: 'nextAttemptAt', direction: 'asc' }] },
  /** Outbox items in one status, newest first (dead letters for the status page). */
  outboxByStatusNewest: { collectionGroup: 'notification_outbox', scope: 'COLLECTION', equality: ['status'], orderBy: [{ field: 'updatedAt', direction: 'desc' }] },
  /** Items held for one coalesced digest (equality only; the adapter sorts). */
  outboxHeldFor: { collectionGroup: 'notification_outbox', scope: 'COLLECTION', equality: ['digestId'], orderBy: [] },
  // Incident reports, newest decision first; the per-channel one serves the rolling MTTR.
  incidentsNewest: { collectionGroup: 'incidents', scope: 'COLLECTION', equality: [], range: 'decidedAt', orderBy: [{ field: 'decidedAt', direction: 'desc' }] },
  incidentsByChannel: { collectionGroup: 'incidents', scope: 'COLLECTION', equality: ['channel'], range: 'decidedAt', orderBy: [{ field: 'decidedAt', direction: 'desc' }] },
  // Written inline by other adapters and marked `// query-shape: <name>` there.
  leaseTermsNewest: { collectionGroup: 'terms', scope: 'COLLECTION', equality: [], orderBy: [{ field: 'term', direction: 'desc' }] },
  rollbackAttemptsNewest: { collectionGroup: 'attempts', scope: 'COLLECTION', equality: [], orderBy: [{ field: 'attempt', direction: 'desc' }] },
} as const satisfies Record<string, QueryShape>;

export type QueryName = keyof typeof QUERY_SHAPES;

export interface QueryParams {
  /** One value per equality field of the shape: an array means `in` (at most 30 values). */
  equal?: Record<string, unknown>;
  range?: { op: Extract<WhereFilterOp, '<' | '<=' | '>' | '>='>; value: unknown }[];
  limit?: number;
}

/**
 * Applies a registered shape to a collection reference. Throws when the parameters do not match the
 * shape exactly, so a query can never drift from what the index file was checked against.
 */
export function buildQuery(base: Query, name: QueryName, params: QueryParams = {}): Query {
  const shape: QueryShape = QUERY_SHAPES[name];
  const given = Object.keys(params.equal ?? {}).sort();
  if (given.join(',') !== [...shape.equality].sort().join(',')) {
    throw new Error(`query ${name} filters on [${shape.equality.join(', ')}], was given [${given.join(', ')}]`);
  }
  if (params.range?.length && !shape.range) throw new Error(`query ${name} takes no range filter`);
  let query = base;
  for (const field of shape.equality) {
    const value = params.equal![field];
    query = Array.isArray(value) ? query.where(field, 'in', value) : query.where(field, '==', value);
  }
  for (const { op, value } of params.range ?? []) query = query.where(shape.range!, op, value);
  for (const { field, direction } of shape.orderBy) query = query.orderBy(field, direction);
  if (params.limit !== undefined) query = query.limit(params.limit);
  return query;
}

/** A composite index as firestore.indexes.json spells it. */
export interface CompositeIndex {
  collectionGroup: string;
  queryScope: 'COLLECTION' | 'COLLECTION_GROUP';
  fields: { fieldPath: string; order: 'ASCENDING' | 'DESCENDING' }[];
}

/**
 * The composite index a shape needs, or null when Firestore's automatic single-field indexes serve
 * it: equality filters alone (index merging), or no equality filter and a single ordered field.
 * See https://firebase.google.com/docs/firestore/query-data/index-overview.
 */
export function requiredIndex(shape: QueryShape): CompositeIndex | null {
  const ordered = shape.orderBy.filter((o) => o.field !== '__name__');
  if (ordered.length === 0 || (shape.equality.length === 0 && ordered.length === 1 && shape.scope === 'COLLECTION')) return null;
  return {
    collectionGroup: shape.collectionGroup,
    queryScope: shape.scope,
    fields: [
      ...shape.equality.map((fieldPath) => ({ fieldPath, order: 'ASCENDING' as const })),
      ...ordered.map((o) => ({ fieldPath: o.field, order: o.direction === 'asc' ? ('ASCENDING' as const) : ('DESCENDING' as const) })),
    ],
  };
}
