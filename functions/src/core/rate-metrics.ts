import type { ChannelPolicy, Policy } from '../config/policy-schema';
import type { Pooled } from './pool';
import type { MetricName, SideCounts } from './types';

/**
 * The rate metrics, one entry each: where the counts come from, the rate the canary must stay
 * under, and how it is shown. Everything else (the recent-window read, the sequential test, the
 * bake's pooled evidence, the reasons) is generic, so a new rate metric is one more entry here.
 */
export interface RateMetric {
  name: MetricName;
  /** "Error rate": the audit wording. */
  label: string;
  /** Highest acceptable event rate (errors, failures, crashes per trial). */
  threshold: (ch: ChannelPolicy) => number;
  /** The pooling window of the recent read, from the policy. */
  minutes: (w: Policy['windows']) => number;
  /** Trials and events of one side in one window; null when the side has no trials for it. */
  pick: (s: SideCounts) => Pooled | null;
  /** Shown as a success rate (1 - rate), with `threshold` shown as 1 - threshold. */
  asSuccess?: boolean;
  /** What a confirmed breach does: the stable success rate only pauses ("Red: Investigate"). */
  action: (ch: ChannelPolicy) => 'rollback' | 'pause';
  /** Which exposure minimum (channels.X.minExposure) its trials count towards. */
  trials: 'requests' | 'sessions';
}

export const RATE_METRICS: readonly RateMetric[] = [
  {
    name: 'error_rate',
    label: 'Error rate',
    threshold: (ch) => ch.red.errorRate,
    minutes: (w) => w.errorRateMinutes,
    pick: (s) => (s.requests > 0 ? { n: s.requests, k: s.errors } : null),
    action: () => 'rollback',
    trials: 'requests',
  },
  {
    name: 'success_rate',
    label: 'Success rate',
    threshold: (ch) => 1 - ch.successRate.below,
    minutes: (w) => w.successRateMinutes,
    pick: (s) => (s.requests > 0 ? { n: s.requests, k: s.requests - (s.successes ?? s.requests - s.errors) } : null),
    asSuccess: true,
    action: (ch) => ch.successRate.action,
    trials: 'requests',
  },
  {
    // The web's "4xx/5xx rate > 10%": every answer that was not a success, the caller's (4xx) and
    // the server's (5xx) alike. A source that does not count 4xx reports them as 0, as the spec says.
    name: 'http_error_rate',
    label: '4xx/5xx rate',
    threshold: (ch) => ch.red.httpErrorRate,
    minutes: (w) => w.errorRateMinutes,
    pick: (s) => (s.requests > 0 ? { n: s.requests, k: s.errors + (s.clientErrors ?? 0) } : null),
    action: () => 'rollback',
    trials: 'requests',
  },
  {
    name: 'crash_rate',
    label: 'Crash rate',
    threshold: (ch) => ch.red.crashRate,
    minutes: (w) => w.crashRateMinutes,
    pick: (s) => (s.sessions !== undefined && s.sessions > 0 ? { n: s.sessions, k: s.crashes ?? 0 } : null),
    action: () => 'rollback',
    trials: 'sessions',
  },
];
