import { randomUUID } from 'node:crypto';
import type { Router } from 'express';
import { runGuardianGate } from '../../app/guardian/run-gate';
import type { LoadedPolicy } from '../../app/guardian/policy-loader';
import { parseRepo } from '../../ports';
import { callerOf } from '../auth';
import type { ApiDeps } from '../deps';
import { HttpError, parseOr400, sendJson } from '../errors';
import { idempotencyKeyFor, idempotent } from '../idempotency';
import { GuardianCheckBody } from '../schemas';

/** A block caused by a failing check: `curl --fail` stops on it (>= 400). */
export const GATE_BLOCKED_STATUS = 412;
/** A block only because checks could not run (GitHub down): the same request may pass later. */
export const GATE_UNAVAILABLE_STATUS = 503;

/** POST /guardian/check: the release gate CI calls before (and after) every deployment. */
export function registerGuardianRoutes(router: Router, deps: ApiDeps, policy: () => Promise<LoadedPolicy>): void {
  router.post('/guardian/check', idempotent(deps), async (req, res) => {
    const body = parseOr400(GuardianCheckBody, req.body, 'body');
    const repository = body.repository ?? deps.defaultRepository;
    if (!repository) {
      throw new HttpError(400, {
        error: 'invalid_request',
        in: 'body',
        fields: [{ field: 'repository', message: 'required: no DEFAULT_REPOSITORY is configured' }],
      });
    }
    if (!deps.github) throw new HttpError(503, { error: 'unavailable', detail: 'GitHub access is not configured (GITHUB_TOKEN)' });
    const caller = callerOf(res);
    const decision = await runGuardianGate(
      { github: deps.github, canaries: deps.canaries, audit: deps.audit, clock: deps.clock, policy },
      {
        ...body,
        repository: parseRepo(repository),
        actor: caller.actor,
        idempotencyKey: idempotencyKeyFor(req, res, 'guardian') ?? `guardian:${randomUUID()}`,
      },
    );
    res.locals.logFields = { outcome: decision.outcome, auditId: decision.auditId };
    if (decision.outcome === 'pass') return sendJson(res, 200, decision);
    const failed = decision.checks.some((c) => c.status === 'fail');
    if (failed) return sendJson(res, GATE_BLOCKED_STATUS, decision);
    sendJson(res, GATE_UNAVAILABLE_STATUS, decision, { 'Retry-After': '30' });
  });
}
