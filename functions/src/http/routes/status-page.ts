import type { Router } from 'express';
import { verifyAudit } from '../../app/audit/verify';
import type { ApiDeps } from '../deps';
import { HttpError, parseOr400, sendJson } from '../errors';
import { CanaryIdParam, DeadLetterQuery, EvaluationHistoryQuery } from '../schemas';

/** Problems listed in one answer; the count says how many there are. */
const MAX_PROBLEMS = 20;

function needs<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new HttpError(503, { error: 'not_configured', detail: `this deployment serves no ${what}` });
  return value;
}

/**
 * What the status page reads beyond the canary, audit and incident routes: a canary's evaluation
 * history (paged back by schedule time), the audit seal's state, the dead-lettered notifications.
 */
export function registerStatusPageRoutes(router: Router, deps: ApiDeps): void {
  router.get('/canaries/:id/evaluations', async (req, res) => {
    const id = parseOr400(CanaryIdParam, req.params.id, 'path');
    const query = parseOr400(EvaluationHistoryQuery, req.query, 'query');
    const read = await deps.canaries.get(id);
    if (!read) throw new HttpError(404, { error: 'not_found', id });
    const evaluations = await deps.canaries.listEvaluations(id, query.limit, query.before);
    // A full page may have an older one: it starts before the last record's schedule time.
    const next = evaluations.length === query.limit ? evaluations[evaluations.length - 1]!.scheduleTime : null;
    const headers: Record<string, string> = {};
    if (next !== null) headers.Link = `</canaries/${id}/evaluations?limit=${query.limit}&before=${next}>; rel="next"`;
    sendJson(res, 200, { id, evaluations, next }, headers);
  });

  // Reads every digest and entry: the page asks when the audit view opens or a person asks again, not on every poll.
  router.get('/audit/seal', async (_req, res) => {
    const report = await verifyAudit(needs(deps.auditTrail, 'audit seal'));
    sendJson(res, 200, {
      ok: report.ok,
      verifiedUpTo: report.ok ? (report.head?.to ?? null) : null,
      head: report.head,
      digests: report.digests,
      sealed: report.sealed,
      pending: report.pending,
      problemCount: report.problems.length,
      problems: report.problems.slice(0, MAX_PROBLEMS),
      checkedAt: deps.clock.now(),
    });
  });

  router.get('/notifications/dead', async (req, res) => {
    const query = parseOr400(DeadLetterQuery, req.query, 'query');
    const items = await needs(deps.outbox, 'notification outbox').deadLetters(query.limit);
    sendJson(res, 200, {
      notifications: items.map((i) => ({
        id: i.id,
        kind: i.event.kind,
        title: i.event.title,
        canaryId: i.event.canaryId,
        at: i.event.at,
        attempts: i.attempts,
        lastError: i.lastError ?? null,
        destinations: i.destinations,
      })),
    });
  });
}
