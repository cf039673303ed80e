import type { MetricExplanation, NotificationEvent, NotificationFact, NotificationKind, NotificationLink, Severity } from './notification';
import { METRICS, type MetricName } from './types';

/**
 * Which audit actions are news, as which event and how loud. `auto_rollback` / `manual_rollback`
 * are not listed: `rollback_completed`, written with them, carries the same rollback with its
 * times, so one rollback is one message. `readiness_failed` and `mttr_target_missed` are routed by
 * name, ready for the entries that write them.
 */
export const EVENT_OF_ACTION: Readonly<Record<string, { kind: NotificationKind; severity: Severity }>> = {
  canary_registered: { kind: 'canary_registered', severity: 'info' },
  canary_pause: { kind: 'canary_paused', severity: 'warning' },
  canary_resume: { kind: 'canary_resumed', severity: 'info' },
  canary_promote: { kind: 'canary_promoted', severity: 'info' },
  canary_promote_failed: { kind: 'canary_promotion_failed', severity: 'warning' },
  canary_complete: { kind: 'canary_completed', severity: 'info' },
  canary_quarantined: { kind: 'canary_quarantined', severity: 'warning' },
  rollback_requested: { kind: 'rollback_requested', severity: 'critical' },
  rollback_completed: { kind: 'rollback_completed', severity: 'critical' },
  rollback_failed: { kind: 'rollback_failed', severity: 'critical' },
  rollback_refused: { kind: 'rollback_refused', severity: 'warning' },
  rollback_dry_run: { kind: 'rollback_dry_run', severity: 'warning' },
  rollback_recovered: { kind: 'rollback_recovered', severity: 'info' },
  rollback_not_recovered: { kind: 'rollback_not_recovered', severity: 'critical' },
  rollback_recovery_unconfirmed: { kind: 'rollback_recovery_unconfirmed', severity: 'warning' },
  guardian_block: { kind: 'guardian_blocked', severity: 'warning' },
  // rollback_readiness is news only when not ready (see eventKindOf); readiness_failed by name too.
  rollback_readiness: { kind: 'readiness_failed', severity: 'warning' },
  readiness_failed: { kind: 'readiness_failed', severity: 'warning' },
  mttr_target_missed: { kind: 'mttr_target_missed', severity: 'warning' },
  rollback_breaker_open: { kind: 'circuit_breaker_tripped', severity: 'critical' },
  rollback_suppressed: { kind: 'kill_switch_used', severity: 'critical' },
};

const TITLE: Record<NotificationKind, string> = {
  canary_registered: 'Canary registered',
  canary_paused: 'Canary paused',
  canary_resumed: 'Canary resumed',
  canary_flapping: 'Canary paused and resumed repeatedly',
  canary_promoted: 'Canary promoted',
  canary_promotion_failed: 'Promotion failed',
  canary_completed: 'Rollout completed',
  canary_quarantined: 'Canary document quarantined',
  rollback_requested: 'Rollback requested',
  rollback_completed: 'Rollback completed',
  rollback_failed: 'Rollback FAILED: a human must act',
  rollback_refused: 'Rollback refused',
  rollback_dry_run: 'Rollback decided (dry run: nothing sent)',
  rollback_recovered: 'Recovered after rollback',
  rollback_not_recovered: 'NOT recovered after rollback',
  rollback_recovery_unconfirmed: 'Recovery after rollback unconfirmed',
  guardian_blocked: 'Release blocked by the guardian',
  readiness_failed: 'Readiness check failed',
  mttr_target_missed: 'MTTR target missed',
  circuit_breaker_tripped: 'Circuit breaker tripped: automatic rollback held',
  kill_switch_used: 'Kill switch on: automatic rollback not sent',
};

/** Audit meta fields shown as facts, in this order, with their labels. */
const FACTS: [string, string][] = [
  ['rollback_to', 'Rolled back to'],
  ['trigger', 'Trigger'],
  ['steps', 'Steps'],
  ['failed_steps', 'Failed steps'],
  ['error', 'Error'],
  ['affected_users', 'Affected users'],
  ['time_to_detect_minutes', 'Time to detect (min)'],
  ['time_to_restore_minutes', 'Time to restore (min)'],
  ['time_to_recover_minutes', 'Time to recover (min)'],
  ['mttr_minutes', 'MTTR (min)'],
  ['mttr_target_minutes', 'MTTR target (min)'],
  ['from', 'From'],
  ['to', 'To'],
  ['checks', 'Checks'],
  ['phase', 'Phase'],
  ['requested_reason', 'Requested because'],
  ['would_send', 'Would have sent'],
  ['previous_release', 'Previous release'],
  ['missing', 'Missing'],
  ['note', 'Note'],
];

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
/** Audit meta may come from CI (POST /audit): no control characters, bounded length. */
const clean = (s: string, n = 500) => clip(s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim(), n);
const str = (v: unknown) => (typeof v === 'string' && v.trim() ? clean(v) : null);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** A fact's value as one readable line: objects as `key: value` pairs, rollout steps as `alpha 10%`. */
function show(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return clean(String(v));
  if (Array.isArray(v)) return v.length ? clean(v.map((x) => show(x) ?? '').join('; ')) : null;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.channel === 'string' && typeof o.rolloutPercent === 'number') return clean(`${o.channel} ${o.rolloutPercent}%`);
    const pairs = Object.entries(o).map(([k, x]) => `${k}: ${show(x) ?? '-'}`);
    return pairs.length ? clean(pairs.join(', ')) : null;
  }
  return null;
}

/** The metrics the writer put in `meta.explanation` (see app/notify/explain.ts); anything malformed is left out. */
export function metricsOf(meta: Record<string, unknown>): MetricExplanation[] {
  const list = Array.isArray(meta.explanation) ? (meta.explanation as unknown[]) : [];
  const out: MetricExplanation[] = [];
  for (const item of list.slice(0, METRICS.length)) {
    if (typeof item !== 'object' || item === null) continue;
    const m = item as Record<string, unknown>;
    if (!METRICS.includes(m.metric as MetricName) || num(m.threshold) === null) continue;
    const status = m.status === 'green' || m.status === 'yellow' || m.status === 'red' ? m.status : 'inconclusive';
    out.push({ metric: m.metric as MetricName, status, canary: num(m.canary), bound: num(m.bound), baseline: num(m.baseline), threshold: num(m.threshold)!, windows: num(m.windows) });
  }
  return out;
}

const httpsUrl = (v: unknown) => (typeof v === 'string' && /^https:\/\/[^\s<>|]+$/.test(v) && v.length <= 2000 ? v : null);

function linksOf(meta: Record<string, unknown>, release: string): NotificationLink[] {
  const links: NotificationLink[] = [];
  const run = httpsUrl(meta.run_url) ?? httpsUrl(meta.github_run_url);
  if (run) links.push({ label: 'GitHub run', url: run });
  const repository = typeof meta.repository === 'string' && /^[\w.-]+\/[\w.-]+$/.test(meta.repository) ? meta.repository : null;
  const releaseUrl = httpsUrl(meta.release_url) ?? (repository && release ? `https://github.com/${repository}/releases/tag/${encodeURIComponent(release)}` : null);
  if (releaseUrl) links.push({ label: 'Release', url: releaseUrl });
  return links;
}

/** Why a readiness check failed: the failed checks with their details (rollback_readiness meta). */
function readinessReason(meta: Record<string, unknown>): string | null {
  if (!Array.isArray(meta.checks)) return null;
  const failed = (meta.checks as unknown[])
    .filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null && (c as Record<string, unknown>).outcome === 'failed')
    .map((c) => `${String(c.step)} ${String(c.check)}: ${String(c.detail ?? 'failed')}`);
  return failed.length ? clean(failed.join('; '), 1500) : null;
}

export interface AuditFacts {
  ts: number;
  action: string;
  actorUid: string;
  targetId: string;
  meta: Record<string, unknown>;
}

/**
 * The event an audit entry announces, or null when it is not news. Pure: the same entry always
 * gives the same event, so it can be built in the same write as the entry.
 */
export function eventFromAudit(id: string, entry: AuditFacts): NotificationEvent | null {
  const known = Object.prototype.hasOwnProperty.call(EVENT_OF_ACTION, entry.action) ? EVENT_OF_ACTION[entry.action] : undefined;
  if (!known) return null;
  const meta = entry.meta ?? {};
  // A readiness check that passed is not news; one that failed is, whatever wrote it.
  if (entry.action === 'rollback_readiness' && meta.ready !== false) return null;
  const canaryId = str(meta.canaryId) ?? str(meta.canary_id);
  // Canary ids are `<platform>__<release>__<channel>`: entries that name only the canary still route.
  const [idPlatform, , idChannel] = canaryId?.split('__') ?? [];
  const platform = str(meta.platform) ?? (idPlatform || null);
  const channel = str(meta.channel) ?? (idChannel || null);
  const release = clean(entry.targetId, 200);
  const where = [platform, release, channel ? `on ${channel}` : null].filter(Boolean).join(' ');
  const facts: NotificationFact[] = [];
  for (const [key, label] of FACTS) {
    // Readiness checks are a list of reports: the failed ones are the reason already.
    if (key === 'checks' && Array.isArray(meta[key])) continue;
    const value = show(meta[key]);
    if (value !== null) facts.push({ label, value });
  }
  return {
    id,
    kind: known.kind,
    severity: known.severity,
    action: entry.action,
    at: entry.ts,
    actor: clean(entry.actorUid, 200),
    release,
    platform,
    channel,
    canaryId,
    title: clip(`${TITLE[known.kind]}: ${where}`, 150),
    reason: typeof meta.reason === 'string' && meta.reason.trim() ? clean(meta.reason, 1500) : readinessReason(meta),
    metrics: metricsOf(meta),
    facts,
    links: linksOf(meta, release),
  };
}

/** The title of a kind (digests and tests). */
export function titleOf(kind: NotificationKind): string {
  return TITLE[kind];
}
