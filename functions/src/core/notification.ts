import type { MetricName, Verdict } from './types';

/**
 * What people are told about, in the product's words. Each kind comes from one or more audit
 * actions (see notification-events.ts); an audit entry with no kind is not news for anyone.
 */
export const NOTIFICATION_KINDS = [
  'canary_registered',
  'canary_paused',
  'canary_resumed',
  /** Pause/resume of one canary folded into one message (the coalescing rule, docs/notifications.md). */
  'canary_flapping',
  'canary_promoted',
  'canary_promotion_failed',
  'canary_completed',
  'canary_quarantined',
  'rollback_requested',
  'rollback_completed',
  'rollback_failed',
  'rollback_refused',
  'rollback_dry_run',
  'rollback_recovered',
  'rollback_not_recovered',
  'rollback_recovery_unconfirmed',
  'guardian_blocked',
  'readiness_failed',
  'mttr_target_missed',
  'circuit_breaker_tripped',
  'kill_switch_used',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** One metric's evidence, as the evaluator saw it when the entry was written. */
export interface MetricExplanation {
  metric: MetricName;
  status: Verdict;
  /** A rate in [0,1], or ms for p95_latency; null without data. */
  canary: number | null;
  /** The confidence bound on the canary's value that decided its status (lower bound for a red rate). */
  bound: number | null;
  baseline: number | null;
  /** A rate in [0,1], or for p95_latency the relative increase allowed (0.5 = +50 %). */
  threshold: number;
  /** Evaluation windows pooled for this metric. */
  windows: number | null;
}

export interface NotificationLink {
  label: string;
  url: string;
}

export interface NotificationFact {
  label: string;
  value: string;
}

/**
 * One message, whatever the destination: plain data (stored as is in the outbox, so no undefined,
 * no nested arrays) that every sender renders in its own format.
 */
export interface NotificationEvent {
  /** The outbox id (the audit entry's id, or `digest-...`): receivers deduplicate on it. */
  id: string;
  kind: NotificationKind;
  severity: Severity;
  /** The audit action behind it (`digest` for a coalesced digest). */
  action: string;
  /** ms since epoch. */
  at: number;
  actor: string;
  release: string;
  platform: string | null;
  channel: string | null;
  canaryId: string | null;
  /** One line, e.g. "Rollback completed: web 2.4.1 on alpha". */
  title: string;
  /** Why, in the audit trail's words. */
  reason: string | null;
  metrics: MetricExplanation[];
  facts: NotificationFact[];
  links: NotificationLink[];
}
