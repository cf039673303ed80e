import type { Router } from 'express';
import { clearMttrFlag } from '../../app/canaries/clear-mttr';
import { updateGates } from '../../app/canaries/gates';
import { runReadinessOnDemand } from '../../app/canaries/readiness';
import { registerCanary } from '../../app/canaries/register';
import type { LoadedPolicy } from '../../app/guardian/policy-loader';
import { loadPolicy } from '../../app/evaluate/policy-source';
import { incidentId } from '../../app/incidents/build-report';
import { defaultPolicy } from '../../config/default-policy';
import type { Policy } from '../../config/policy-schema';
import { promotionOutlook } from '../../core/promotion-outlook';
import { initialRolloutState } from '../../core/tick';
import type { Channel, Platform } from '../../core/types';
import type { CanaryRead } from '../../ports';
import { callerOf } from '../auth';
import type { ApiDeps } from '../deps';
import { HttpError, parseOr400, sendJson } from '../errors';
import { idempotencyKeyFor, idempotent } from '../idempotency';
import { CanaryIdParam, CanaryListQuery, CanaryRegistrationBody, GatesBody, MttrClearBody } from '../schemas';

/** The shipped rollout policy's first stage, when the caller plugs in no other. */
const defaultInitialRollout = (platform: Platform, channel: Channel, now: number) => initialRolloutState(defaultPolicy, platform, channel, now);

function view(read: CanaryRead, outlook?: { policy: Policy; now: number }): Record<string, unknown> {
  if (!read.ok) return { id: read.id, status: 'invalid', error: read.error };
  const c = read.canary;
  return {
    ...(outlook ? { promotion: promotionOutlook(outlook.policy, c, outlook.now) } : {}),
    incidentId: c.rollback ? incidentId(c.id, c.rollback.generation) : null,
    id: c.id,
    platform: c.platform,
    release: c.release,
    previousRelease: c.previousRelease,
    channel: c.channel,
    status: c.status,
    dryRun: c.dryRun,
    rollout: { channel: c.rollout.channel, stageIndex: c.rollout.stageIndex, rolloutPercent: c.rollout.rolloutPercent, stageStartedAt: c.rollout.stageStartedAt, greenSince: c.rollout.greenSince },
    gates: c.gates,
    lastEvaluation: c.lastEvaluation ?? null,
    pauseReason: c.pauseReason ?? null,
    noData: c.noData ?? null,
    rollbackRequest: c.rollbackRequest ?? null,
    rollback: c.rollback ?? null,
    incident: c.incident ?? null,
    readiness: c.readiness ?? null,
    mttrMissed: c.mttrMissed ?? null,
    target: c.target,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    createdBy: c.createdBy,
  };
}

/** POST /canaries, GET /canaries, GET /canaries/{id}, POST /canaries/{id}/gates. */
export function registerCanaryRoutes(router: Router, deps: ApiDeps, policy: () => Promise<LoadedPolicy>): void {
  // The rollout policy in force (config/policy over the defaults), for "next promotion and what it waits for".
  const rolloutMemo = { policy: defaultPolicy };
  const noLog = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const outlook = async () => ({ policy: deps.config ? (await loadPolicy(deps.config, rolloutMemo, noLog)).policy : defaultPolicy, now: deps.clock.now() });

  router.post('/canaries', idempotent(deps), async (req, res) => {
    const body = parseOr400(CanaryRegistrationBody, req.body, 'body');
    const result = await registerCanary({ ...deps, initialRollout: deps.initialRollout ?? defaultInitialRollout }, body, callerOf(res).actor);
    if (result.status === 'out_of_order') {
      throw new HttpError(409, {
        error: 'channel_order',
        detail: result.reason,
        requires: result.requires,
        evidence: result.evidence,
        hint: `register ${body.release} on ${result.requires} first, or send "skipChannelOrder": {"reason": "..."} (audited)`,
      });
    }
    const id = result.canary.ok ? result.canary.canary.id : result.canary.id;
    sendJson(res, result.created ? 201 : 200, { id, created: result.created, channelOrder: result.channelOrder, readiness: result.readiness, canary: view(result.canary) });
  });

  router.post('/canaries/:id/readiness', idempotent(deps), async (req, res) => {
    const id = parseOr400(CanaryIdParam, req.params.id, 'path');
    if (!deps.rollbackActuators) throw new HttpError(503, { error: 'not_configured', detail: 'this deployment has no rollback steps configured to check' });
    const outcome = await runReadinessOnDemand({ ...deps, actuators: await deps.rollbackActuators() }, id, callerOf(res).actor);
    switch (outcome.status) {
      case 'not_found':
        throw new HttpError(404, { error: 'not_found', id });
      case 'invalid':
        throw new HttpError(409, { error: 'invalid_canary', id, detail: outcome.error });
      case 'checked':
        return sendJson(res, 200, { id, readiness: outcome.report });
      default: {
        const exhaustive: never = outcome;
        return exhaustive;
      }
    }
  });

  router.post('/canaries/:id/mttr/clear', idempotent(deps), async (req, res) => {
    const id = parseOr400(CanaryIdParam, req.params.id, 'path');
    const body = parseOr400(MttrClearBody, req.body, 'body');
    const outcome = await clearMttrFlag(deps, id, body.reason, callerOf(res).actor);
    switch (outcome.status) {
      case 'not_found':
        throw new HttpError(404, { error: 'not_found', id });
      case 'conflict':
        throw new HttpError(409, { error: 'no_open_mttr_flag', id, detail: outcome.reason });
      case 'cleared':
        return sendJson(res, 200, { id, incidentId: outcome.incidentId, clearedAt: outcome.clearedAt });
      default: {
        const exhaustive: never = outcome;
        return exhaustive;
      }
    }
  });

  router.get('/canaries', async (req, res) => {
    const query = parseOr400(CanaryListQuery, req.query, 'query');
    const [reads, at] = await Promise.all([deps.canaries.list(query), outlook()]);
    sendJson(res, 200, { canaries: reads.map((r) => view(r, at)) });
  });

  router.get('/canaries/:id', async (req, res) => {
    const id = parseOr400(CanaryIdParam, req.params.id, 'path');
    const read = await deps.canaries.get(id);
    if (!read) throw new HttpError(404, { error: 'not_found', id });
    const evaluations = read.ok ? await deps.canaries.listEvaluations(id, 5) : [];
    sendJson(res, 200, { canary: view(read, await outlook()), evaluations });
  });

  router.post('/canaries/:id/gates', idempotent(deps), async (req, res) => {
    const id = parseOr400(CanaryIdParam, req.params.id, 'path');
    const body = parseOr400(GatesBody, req.body, 'body');
    const caller = callerOf(res);
    const { policy: loaded } = await policy();
    const key = idempotencyKeyFor(req, res, 'gates') ?? `gates:${id}:${caller.actor}:${deps.clock.now()}:${JSON.stringify(body)}`;
    const outcome = await updateGates(
      { ...deps, bugLabels: loaded.bugLabels, ...(deps.defaultRepository ? { defaultRepository: deps.defaultRepository } : {}) },
      id,
      body,
      caller.actor,
      key,
    );
    switch (outcome.status) {
      case 'not_found':
        throw new HttpError(404, { error: 'not_found', id });
      case 'conflict':
        throw new HttpError(409, { error: 'conflict', id, detail: outcome.reason });
      case 'updated':
        return sendJson(res, 200, { id, gates: outcome.gates, bugs: outcome.bugs });
      default: {
        const exhaustive: never = outcome;
        return exhaustive;
      }
    }
  });
}
