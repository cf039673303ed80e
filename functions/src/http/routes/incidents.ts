import type { Router } from 'express';
import type { ApiDeps } from '../deps';
import { HttpError, parseOr400, sendJson } from '../errors';
import { readRollingMttr } from '../../app/incidents/rolling-mttr';
import { IncidentIdParam, IncidentListQuery, RollingMttrQuery } from '../schemas';

function store(deps: ApiDeps) {
  if (!deps.incidents) throw new HttpError(503, { error: 'not_configured', detail: 'this deployment stores no incident reports' });
  return deps.incidents;
}

/** GET /incidents (newest decision first), GET /incidents/mttr, GET /incidents/{id}: the post-mortems of rollbacks. */
export function registerIncidentRoutes(router: Router, deps: ApiDeps): void {
  // Before /incidents/:id, which would take "mttr" for an id (and refuse it).
  router.get('/incidents/mttr', async (req, res) => {
    const query = parseOr400(RollingMttrQuery, req.query, 'query');
    sendJson(res, 200, await readRollingMttr(store(deps), query, deps.clock.now()));
  });

  router.get('/incidents', async (req, res) => {
    const query = parseOr400(IncidentListQuery, req.query, 'query');
    const reports = await store(deps).list(query);
    sendJson(res, 200, { incidents: reports });
  });

  router.get('/incidents/:id', async (req, res) => {
    const id = parseOr400(IncidentIdParam, req.params.id, 'path');
    const report = await store(deps).get(id);
    if (!report) throw new HttpError(404, { error: 'not_found', id });
    sendJson(res, 200, { incident: report });
  });
}
