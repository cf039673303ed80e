import { z } from 'zod';
import { CANARY_STATUSES } from '../core/canary';
import { hasUnsafeText } from '../core/text';
import { CHANNELS, PLATFORMS } from '../core/types';

/**
 * Every request shape, in one place so GET /openapi.json is generated from the same schemas that
 * validate. Ids are strict: they end up in Firestore document paths and in logs (matrix H8).
 */

const RELEASE_RE = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9])?$/;

/** A release tag, e.g. v29.1.0 or v28R.1: no slashes, no leading dot or underscore, no "__". */
export const Release = z
  .string({ error: 'must be a string' })
  .max(100, { error: 'at most 100 characters' })
  .regex(RELEASE_RE, { error: 'letters, digits, ".", "_" and "-" only, starting and ending with a letter or digit' })
  .refine((s) => !s.includes('__'), { error: 'must not contain "__"' });

export const Channel = z.enum(CHANNELS);
export const Platform = z.enum(PLATFORMS);
export const Repository = z
  .string()
  .max(140)
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9_.-]{1,100}$/, { error: 'owner/name' })
  .refine((s) => !/\/\.{1,2}$/.test(s), { error: 'owner/name' });
export const Sha = z.string().regex(/^[0-9a-f]{7,40}$/, { error: 'a hex commit sha' });
export const GitRef = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, { error: 'a git ref such as refs/tags/v1.2.3' })
  .refine((s) => !s.includes('..') && !s.includes('//'), { error: 'a git ref such as refs/tags/v1.2.3' });
/** The deterministic id from canaryId(): platform__release__channel. */
export const CanaryIdParam = z
  .string()
  .max(140)
  .regex(/^(web|desktop|mobile)__[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9])?__(alpha|beta|stable)$/, { error: 'a canary id: <platform>__<release>__<channel>' });
export const Action = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, { error: 'lower_snake_case, at most 64 characters' });
/**
 * Free text that is stored and shown, never used as a path: one line of printable characters. C0 and
 * C1 controls, zero-width and bidi marks, overrides and isolates, U+2028 / U+2029 and lone surrogates
 * are refused (core/text.ts), so a reason cannot rewrite a terminal line or reverse a file name.
 */
export const Text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !hasUnsafeText(s), { error: 'control, line-separator, bidi and lone-surrogate characters are not allowed' });
export const TargetId = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@+-]*$/, { error: 'letters, digits and . _ : @ + - only' })
  .refine((s) => !s.includes('__'), { error: 'must not contain "__"' });

const META_KEY = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/**
 * Audit meta: a JSON object with plain keys (Firestore reserves __x__ and dots mean paths), depth
 * <= 4, and no array directly inside an array (Firestore refuses to store one: it was a 500).
 */
function metaOk(value: unknown, depth: number): boolean {
  if (depth > 4) return false;
  if (Array.isArray(value)) return value.length <= 100 && value.every((v) => !Array.isArray(v) && metaOk(v, depth + 1));
  if (value && typeof value === 'object') {
    return Object.entries(value).every(([k, v]) => META_KEY.test(k) && metaOk(v, depth + 1));
  }
  return typeof value !== 'string' || value.length <= 2000;
}
export const Meta = z.record(z.string().regex(META_KEY, { error: 'meta keys: a letter then letters, digits or _' }), z.json()).refine((m) => metaOk(m, 0), {
  error: 'meta: keys must be plain identifiers, nesting at most 4 levels, no array directly inside an array, strings at most 2000 characters',
});

export const GuardianCheckBody = z.strictObject({
  release: Release,
  channel: Channel,
  platform: Platform.optional(),
  repository: Repository.optional(),
  sha: Sha.optional(),
  ref: GitRef.optional(),
  previousRelease: Release.optional(),
  phase: z.enum(['pre-deploy', 'post-deploy']).default('pre-deploy'),
});

/** Either the source document's rollback payload or the full admin_audit entry shape. */
export const AuditBody = z.strictObject({
  action: Action,
  targetId: TargetId.optional(),
  /** The source document's payload names the release `version`. */
  version: Release.optional(),
  reason: Text(2000).optional(),
  ts: z.number().int().min(0).max(8.64e15).optional(),
  /** Accepted for the full entry shape, but the entry records the authenticated caller. */
  actorUid: Text(200).optional(),
  meta: Meta.optional(),
}).refine((b) => b.targetId !== undefined || b.version !== undefined, { error: 'targetId or version is required', path: ['targetId'] });

export const AuditQuery = z.strictObject({
  targetId: TargetId.optional(),
  action: Action.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** The `next` token of the previous page (opaque). */
  cursor: z.string().max(300).regex(/^[A-Za-z0-9_-]+$/, { error: 'the `next` token of a previous page' }).optional(),
});

export const ReleaseTargetBody = z.strictObject({
  repository: Repository.optional(),
  hostingSite: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { error: 'a Hosting site id' }).optional(),
  hostingChannel: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { error: 'a Hosting channel id' }).optional(),
  previousHostingVersion: z.string().regex(/^sites\/[a-z0-9-]+\/versions\/[A-Za-z0-9_-]+$/, { error: 'sites/<site>/versions/<version>' }).optional(),
  playPackage: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$/, { error: 'an Android package name' }).max(150).optional(),
  playTrack: z.string().regex(/^[a-z][a-z0-9:_-]{0,49}$/, { error: 'a Play track' }).optional(),
  versionCodes: z.array(z.string().regex(/^\d{1,10}$/, { error: 'a numeric version code' })).max(50).optional(),
  previousVersionCodes: z.array(z.string().regex(/^\d{1,10}$/, { error: 'a numeric version code' })).max(50).optional(),
});

export const CanaryRegistrationBody = z.strictObject({
  platform: Platform,
  release: Release,
  previousRelease: Release.nullable().optional(),
  channel: Channel,
  target: ReleaseTargetBody.optional(),
  dryRun: z.boolean().optional(),
  /** Enter beta or stable without having passed the channel before (audited with its reason). */
  skipChannelOrder: z.strictObject({ reason: Text(500).refine((s) => s.trim().length >= 3, { error: 'say why (at least 3 characters)' }) }).optional(),
});

export const CanaryListQuery = z.strictObject({
  status: z.enum(CANARY_STATUSES).optional(),
  platform: Platform.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const GatesBody = z
  .strictObject({
    loadTestPassed: z.boolean().optional(),
    crossPlatformValidated: z.boolean().optional(),
    userFeedbackScore: z.number().min(0).max(5).optional(),
    securityScanPassed: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { error: 'post at least one gate' });

/** An incident report id: `<canary id>__g<generation>`. */
export const IncidentIdParam = z
  .string()
  .max(160)
  .regex(/^(web|desktop|mobile)__[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9])?__(alpha|beta|stable)__g\d{1,6}$/, { error: 'an incident id: <canary id>__g<generation>' });

export const RollingMttrQuery = z.strictObject({
  days: z.coerce.number().int().min(1).max(90).default(30),
  platform: Platform.optional(),
  channel: Channel.optional(),
});

export const MttrClearBody = z.strictObject({
  /** Why the miss is accepted: stored in the audit trail and on the canary. */
  reason: Text(500).refine((s) => s.trim().length > 0, { error: 'must say why the MTTR miss is accepted' }),
});

export const IncidentListQuery = z.strictObject({
  channel: Channel.optional(),
  /** ms since epoch: incidents decided at or after it. */
  since: z.coerce.number().int().min(0).max(8.64e15).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const IdempotencyKeyHeader = z.string().regex(/^[\x21-\x7e]{1,200}$/, { error: 'printable ASCII, 1-200 characters' });

/** GET /canaries/{id}/evaluations: newest first; `before` is the `next` of the previous page (a schedule time, ms). */
export const EvaluationHistoryQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().min(0).max(8.64e15).optional(),
});

export const DeadLetterQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
