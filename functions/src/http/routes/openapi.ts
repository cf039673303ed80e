import type { Router } from 'express';
import { z } from 'zod';
import { sendJson } from '../errors';
import * as s from '../schemas';
import { RollbackBody } from './rollback';

const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'openapi-3.0' });

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object', properties: { error: { type: 'string' } }, required: ['error'] } } } });
const common = {
  '400': errorResponse('Malformed JSON or a schema violation; `fields` lists every offending field path'),
  '401': errorResponse('Missing or invalid credentials'),
  '403': errorResponse('Valid OIDC token whose claims are not allowed; `claim` names which'),
  '413': errorResponse('Body over 64 KiB'),
  '429': errorResponse('Per-caller budget exceeded; see Retry-After'),
};
const body = (schema: z.ZodType) => ({ required: true, content: { 'application/json': { schema: json(schema) } } });
const ok = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });
const queryParams = (schema: z.ZodObject) =>
  Object.entries(schema.shape).map(([name, field]) => ({ name, in: 'query', required: false, schema: json(field as z.ZodType) }));
const idParam = { name: 'id', in: 'path', required: true, schema: json(s.CanaryIdParam) };

/** The OpenAPI document, generated from the same zod schemas that validate requests. */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: { title: 'Canary guardian API', version: '1.0.0' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key (API_KEYS secret) or a GitHub Actions OIDC token' } } },
    security: [{ bearer: [] }],
    paths: {
      '/guardian/check': {
        post: {
          summary: 'Run the five release checks; 200 pass, 412 blocked by a failing check, 503 blocked because checks could not run',
          requestBody: body(s.GuardianCheckBody),
          responses: { '200': ok('Every check passed (or errored with failOpen)'), '412': ok('Blocked: a check failed'), '503': ok('Blocked: a check could not run'), ...common },
        },
      },
      '/audit': {
        post: {
          summary: 'Append one admin_audit entry (idempotent with an Idempotency-Key header)',
          parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: json(s.IdempotencyKeyHeader) }],
          requestBody: body(s.AuditBody),
          responses: { '201': ok('Created: {id, created: true}'), '200': ok('Repeat of a stored entry: {id, created: false}'), ...common },
        },
        get: { summary: 'Read the audit trail, newest first', parameters: queryParams(s.AuditQuery), responses: { '200': ok('{entries}'), ...common } },
      },
      '/canaries': {
        post: {
          summary: 'Register a release on a channel (idempotent per platform, release, channel)',
          requestBody: body(s.CanaryRegistrationBody),
          responses: {
            '201': ok('Registered: {id, created, channelOrder, canary}'),
            '200': ok('Already registered'),
            '409': errorResponse('channel_order: the release has not passed the channel before this one on its platform (or was rolled back); skipChannelOrder with a reason overrides'),
            ...common,
          },
        },
        get: { summary: 'List canaries', parameters: queryParams(s.CanaryListQuery), responses: { '200': ok('{canaries}'), ...common } },
      },
      '/canaries/{id}': {
        get: { summary: 'A canary: state, last evaluation with reasons, rollback progress', parameters: [idParam], responses: { '200': ok('{canary, evaluations}'), '404': errorResponse('No such canary'), ...common } },
      },
      '/canaries/{id}/readiness': {
        post: {
          summary: 'Rollback readiness: prove with reads only that every step of this canary’s rollback can run; audited, summary stored on the canary',
          parameters: [idParam],
          responses: { '200': ok('{id, readiness: {ready, checkedAt, rollbackTo, missing, checks}}'), '404': errorResponse('No such canary'), '409': errorResponse('Invalid canary'), '503': errorResponse('No rollback steps configured'), ...common },
        },
      },
      '/canaries/{id}/gates': {
        post: {
          summary: 'Post promotion criteria no metric gives; also refreshes the open P0/P1 bug count from GitHub',
          parameters: [idParam],
          requestBody: body(s.GatesBody),
          responses: { '200': ok('{id, gates, bugs}'), '404': errorResponse('No such canary'), '409': errorResponse('Canary is finished or invalid'), ...common },
        },
      },
      '/canaries/{id}/mttr/clear': {
        post: {
          summary: 'A person accepts this canary’s MTTR miss: promotions on its platform’s channel resume; audited (mttr_flag_cleared)',
          parameters: [idParam],
          requestBody: body(s.MttrClearBody),
          responses: { '200': ok('{id, incidentId, clearedAt}'), '404': errorResponse('No such canary'), '409': errorResponse('No open MTTR flag'), ...common },
        },
      },
      '/rollback': {
        post: {
          summary: 'Manual / emergency rollback of a release (trigger manual); the rollback runs asynchronously. severity critical also deletes the desktop release after making the previous one Latest (400 on severity for web/mobile; 409 without a previous release)',
          requestBody: body(RollbackBody),
          responses: { '202': ok('{canaryId, status: requested | already_requested, generation, severity}'), '404': errorResponse('No canary of this release'), '409': errorResponse('Ambiguous, already rolled back, or critical without a previous release'), ...common },
        },
      },
      '/incidents': {
        get: { summary: 'Incident reports (post-mortems of rollbacks), newest decision first', parameters: queryParams(s.IncidentListQuery), responses: { '200': ok('{incidents}'), '503': errorResponse('No incident store'), ...common } },
      },
      '/incidents/mttr': {
        get: {
          summary: 'Rolling MTTR per platform and channel over the last `days` days (default 30) against each channel’s target',
          parameters: queryParams(s.RollingMttrQuery),
          responses: { '200': ok('{from, to, days, channels: [{platform, channel, targetMinutes, incidents, recovered, meanMinutes, maxMinutes, met, missed, withinTarget}], truncated}'), '503': errorResponse('No incident store'), ...common },
        },
      },
      '/incidents/{id}': {
        get: {
          summary: 'One incident report: timeline, metrics at the decision with their confidence, affected users, steps, links',
          parameters: [{ name: 'id', in: 'path', required: true, schema: json(s.IncidentIdParam) }],
          responses: { '200': ok('{incident}'), '404': errorResponse('No such incident'), ...common },
        },
      },
      '/canaries/{id}/evaluations': {
        get: {
          summary: 'A canary’s evaluation history (every tick’s decision with each metric’s canary, baseline, threshold, bound), newest first; page back with `before` = the previous `next`',
          parameters: [idParam, ...queryParams(s.EvaluationHistoryQuery)],
          responses: { '200': ok('{id, evaluations, next}'), '404': errorResponse('No such canary'), ...common },
        },
      },
      '/audit/seal': {
        get: { summary: 'Verify the audit trail against its hash-chained digests: {ok, verifiedUpTo, sealed, pending, problems}', responses: { '200': ok('{ok, verifiedUpTo, head, problems}'), '503': errorResponse('No seal store'), ...common } },
      },
      '/notifications/dead': {
        get: { summary: 'Dead-lettered notifications, newest first, with each destination’s state and the last error', parameters: queryParams(s.DeadLetterQuery), responses: { '200': ok('{notifications}'), '503': errorResponse('No outbox'), ...common } },
      },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': ok('OpenAPI 3.0') } } },
    },
  };
}

/** GET /openapi.json (built once, on first request). */
export function registerOpenApiRoute(router: Router): void {
  let cached: Record<string, unknown> | undefined;
  router.get('/openapi.json', (_req, res) => sendJson(res, 200, (cached ??= openApiDocument())));
}
