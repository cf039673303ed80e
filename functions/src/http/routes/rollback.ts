import type { Router } from 'express';
import { z } from 'zod';
import { requestRollback } from '../../app/rollback/request';
import { canaryId, isTerminal, ROLLBACK_SEVERITIES, type Canary } from '../../core/canary';
import { CHANNELS, PLATFORMS } from '../../core/types';
import { callerOf } from '../auth';
import type { ApiDeps } from '../deps';
import { idempotent, requestCompletion } from '../idempotency';
import { isCanaryConflict } from '../../ports';
import { HttpError, parseOr400, sendJson } from '../errors';
import { Channel, Platform, Release, Text } from '../schemas';

const CRITICAL_DESKTOP_ONLY = 'severity critical deletes a GitHub release: desktop only';

/**
 * `gh workflow run rollback.yml -f version=... -f reason=...` as a body; platform/channel
 * disambiguate. `severity: "critical"` also deletes the desktop release (`gh release delete`).
 */
export const RollbackBody = z
  .strictObject({
    version: Release,
    reason: Text(2000).trim().min(1, { error: 'a reason is required' }),
    platform: Platform.optional(),
    channel: Channel.optional(),
    severity: z.enum(ROLLBACK_SEVERITIES).optional(),
  })
  .refine((b) => b.severity !== 'critical' || b.platform === undefined || b.platform === 'desktop', { path: ['severity'], error: CRITICAL_DESKTOP_ONLY });

/** The canaries of this release (ids are deterministic), narrowed by platform / current channel. */
async function findCanary(deps: ApiDeps, body: z.infer<typeof RollbackBody>): Promise<Canary> {
  const platforms = body.platform ? [body.platform] : PLATFORMS;
  const ids = platforms.flatMap((p) => CHANNELS.map((ch) => canaryId(p, body.version, ch)));
  const reads = await Promise.all(ids.map((id) => deps.canaries.get(id)));
  const found = reads
    .flatMap((r) => (r?.ok ? [r.canary] : []))
    .filter((c) => !body.channel || c.channel === body.channel || c.rollout.channel === body.channel);
  if (found.length === 0) throw new HttpError(404, { error: 'not_found', detail: `no canary of release ${body.version}`, version: body.version });
  // A live canary wins over finished ones; a finished one is still answered (refused below, D9).
  const live = found.filter((c) => !isTerminal(c.status));
  const pick = live.length > 0 ? live : found;
  if (pick.length > 1) {
    throw new HttpError(409, { error: 'ambiguous', detail: 'several canaries match: name platform and/or channel', candidates: pick.map((c) => c.id) });
  }
  return pick[0];
}

/**
 * POST /rollback: the manual / emergency rollback. Sets the request (trigger `manual`, the caller
 * as actor); the Firestore trigger does the work. 202 with the canary id; a repeat while one is
 * pending or running answers the same 202 (idempotent); after completion, 409 (audited refusal).
 */
export function registerRollbackRoutes(router: Router, deps: ApiDeps): void {
  router.post('/rollback', idempotent(deps), async (req, res) => {
    const body = parseOr400(RollbackBody, req.body, 'body');
    const canary = await findCanary(deps, body);
    // Without `platform` in the body, the release's canary says which platform it is.
    if (body.severity === 'critical' && canary.platform !== 'desktop') {
      throw new HttpError(400, { error: 'invalid_request', in: 'body', fields: [{ field: 'severity', message: `${CRITICAL_DESKTOP_ONLY}; ${body.version} is a ${canary.platform} release` }] });
    }
    const answer = (generation: number) => ({ canaryId: canary.id, status: 'requested', generation, severity: body.severity ?? 'normal' });
    let outcome;
    try {
      outcome = await requestRollback(deps, {
        canaryId: canary.id,
        reason: body.reason,
        trigger: 'manual',
        requestedBy: callerOf(res).actor,
        ...(body.severity === 'critical' ? { severity: 'critical' as const } : {}),
        completes: (generation) => requestCompletion(res, 202, answer(generation)),
      });
    } catch (err) {
      if (!isCanaryConflict(err) || err.reason !== 'claim_lost') throw err;
      throw new HttpError(409, {
        error: 'idempotency_key_taken_over',
        detail: 'this request ran past the stale time and a retry with its Idempotency-Key took over; this run did nothing. Retry with the key for the answer.',
      });
    }
    switch (outcome.status) {
      case 'requested':
        return sendJson(res, 202, answer(outcome.generation));
      case 'already_requested':
        return sendJson(res, 202, { canaryId: canary.id, status: outcome.status, generation: outcome.generation, severity: outcome.severity });
      case 'refused':
        throw new HttpError(409, { error: 'rollback_refused', canaryId: canary.id, reason: outcome.reason });
      case 'not_found':
        throw new HttpError(404, { error: 'not_found', canaryId: canary.id });
      default: {
        const exhaustive: never = outcome;
        return exhaustive;
      }
    }
  });
}
