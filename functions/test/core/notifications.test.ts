import { SECRET_NAMES } from '../../src/config/notifications';
import { NOTIFICATION_SECRET_NAMES } from '../../src/config/params';
import { NotificationsConfigDoc } from '../../src/config/notifications';
import { judgeWindow } from '../../src/core/judge-window';
import { eventFromAudit } from '../../src/core/notification-events';
import { explain } from '../../src/core/notification-explain';
import { coalesceBucket, retryDelayMs, routeEvent } from '../../src/core/notification-routing';
import { binomialUpperTail, rateLowerBound } from '../../src/core/stats';
import { defaultPolicy } from '../../src/config/default-policy';

const entry = (action: string, meta: Record<string, unknown> = {}) => ({ ts: 1_000, action, actorUid: 'system', targetId: '2.4.1', meta: { canaryId: 'web__2.4.1__alpha', ...meta } });

describe('audit entries as events', () => {
  it.each([
    ['canary_registered', 'canary_registered', 'info'],
    ['canary_pause', 'canary_paused', 'warning'],
    ['canary_resume', 'canary_resumed', 'info'],
    ['canary_promote', 'canary_promoted', 'info'],
    ['rollback_requested', 'rollback_requested', 'critical'],
    ['rollback_completed', 'rollback_completed', 'critical'],
    ['rollback_failed', 'rollback_failed', 'critical'],
    ['rollback_recovered', 'rollback_recovered', 'info'],
    ['rollback_not_recovered', 'rollback_not_recovered', 'critical'],
    ['guardian_block', 'guardian_blocked', 'warning'],
    ['readiness_failed', 'readiness_failed', 'warning'],
    ['mttr_target_missed', 'mttr_target_missed', 'warning'],
    ['rollback_breaker_open', 'circuit_breaker_tripped', 'critical'],
    ['rollback_suppressed', 'kill_switch_used', 'critical'],
  ])('announces %s as %s (%s)', (action, kind, severity) => {
    expect(eventFromAudit('e1', entry(action))).toMatchObject({ id: 'e1', kind, severity, action, platform: 'web', channel: 'alpha' });
  });

  it('stays silent on entries that are not news, one rollback being one message (rollback_completed, not auto_rollback)', () => {
    for (const action of ['guardian_pass', 'auto_rollback', 'manual_rollback', 'canary_gates', 'something_else']) expect(eventFromAudit('e', entry(action))).toBeNull();
  });

  it('announces a readiness check only when it failed, with the failed checks as the reason', () => {
    expect(eventFromAudit('e', entry('rollback_readiness', { ready: true }))).toBeNull();
    const e = eventFromAudit('e', entry('rollback_readiness', { ready: false, missing: ['contents:write'], checks: [{ step: 'github_release', check: 'write access', outcome: 'failed', detail: 'token lacks contents:write' }] }));
    expect(e).toMatchObject({ kind: 'readiness_failed', reason: 'github_release write access: token lacks contents:write', facts: [{ label: 'Missing', value: 'contents:write' }] });
  });

  it('carries the numbers and builds the links: release from the repository, run only from an https URL', () => {
    const e = eventFromAudit('e', entry('rollback_completed', {
      reason: 'Error rate 8% (threshold 5%)',
      rollback_to: '2.4.0',
      steps: { hosting_release: 'released 2.4.0', dispatch: 'done' },
      mttr_minutes: 3.5,
      repository: 'acme/app',
      run_url: 'javascript:alert(1)',
      explanation: [{ metric: 'error_rate', status: 'red', canary: 0.08, bound: 0.061, baseline: 0.004, threshold: 0.05, windows: 15 }, { metric: 'bogus' }],
    }))!;
    expect(e.metrics).toEqual([{ metric: 'error_rate', status: 'red', canary: 0.08, bound: 0.061, baseline: 0.004, threshold: 0.05, windows: 15 }]);
    expect(e.facts).toEqual([
      { label: 'Rolled back to', value: '2.4.0' },
      { label: 'Steps', value: 'hosting_release: released 2.4.0, dispatch: done' },
      { label: 'MTTR (min)', value: '3.5' },
    ]);
    expect(e.links).toEqual([{ label: 'Release', url: 'https://github.com/acme/app/releases/tag/2.4.1' }]);
    expect(e.title).toBe('Rollback completed: web 2.4.1 on alpha');
  });

  it('strips control characters and bounds the length of text that came from CI', () => {
    const e = eventFromAudit('e', entry('guardian_block', { reason: `line1\nline2\u0007${'x'.repeat(3000)}` }))!;
    expect(e.reason).toMatch(/^line1 line2 x+…$/);
    expect(e.reason!.length).toBe(1500);
  });
});

describe('routing', () => {
  const event = eventFromAudit('e', entry('rollback_completed'))!;
  const routes = NotificationsConfigDoc.parse({
    destinations: { a: { kind: 'noop' }, b: { kind: 'noop' }, c: { kind: 'noop' }, d: { kind: 'noop' } },
    routes: [
      { to: ['a'] },
      { to: ['b'], platforms: ['mobile'] },
      { to: ['c', 'a'], channels: ['alpha'], events: ['rollback_completed'], minSeverity: 'critical' },
      { to: ['d'], events: ['canary_paused'] },
    ],
  }).routes;

  it('sends an event to every destination of every matching route, once each', () => {
    expect(routeEvent(routes, event)).toEqual(['a', 'c']);
  });

  it('filters by severity: a warning does not reach a route for critical events', () => {
    expect(routeEvent(routes, { ...event, severity: 'warning' })).toEqual(['a']);
  });

  it('refuses a route to an unknown destination and a secret not declared in params.ts', () => {
    const secret = NotificationsConfigDoc.safeParse({ destinations: { s: { kind: 'slack', urlSecret: 'MY_TOKEN' } } });
    expect(secret.error!.issues.map((i) => i.path.join('.'))).toEqual(['destinations.s.urlSecret']);
    const route = NotificationsConfigDoc.safeParse({ destinations: { s: { kind: 'noop' } }, routes: [{ to: ['s', 'nowhere'] }] });
    expect(route.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(['routes.0.to.1: no destination named nowhere']);
    expect(NotificationsConfigDoc.safeParse({ destinations: { w: { kind: 'webhook', url: 'http://example.com/x', signingSecret: 'NOTIFY_WEBHOOK_SECRET' } } }).success).toBe(false);
  });

  it('names the same secrets as params.ts declares', () => {
    expect([...SECRET_NAMES].sort()).toEqual([...NOTIFICATION_SECRET_NAMES].sort());
  });
});

describe('delivery arithmetic', () => {
  it('backs off exponentially from one minute, capped at an hour', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryDelayMs(n) / 60_000)).toEqual([1, 2, 4, 8, 16, 32, 60, 60]);
  });

  it('cuts coalescing buckets on the clock', () => {
    expect(coalesceBucket(Date.UTC(2026, 0, 1, 10, 44), 30)).toEqual({ start: Date.UTC(2026, 0, 1, 10, 30), end: Date.UTC(2026, 0, 1, 11, 0) });
  });
});

describe('confidence bounds in the evaluation', () => {
  it('finds the exact Clopper-Pearson lower bound: the upper tail at the bound equals alpha', () => {
    const lo = rateLowerBound(8, 100, 0.05);
    expect(lo).toBeLessThan(0.08);
    expect(binomialUpperTail(8, 100, lo)).toBeCloseTo(0.05, 6);
    expect(rateLowerBound(0, 100, 0.05)).toBe(0);
  });

  it('gives a red rate a lower bound above its threshold and the windows it pooled, carried into the explanation', () => {
    const windows = Array.from({ length: 15 }, (_, i) => ({
      start: i * 60_000,
      durationMs: 60_000,
      canary: { requests: 1000, errors: 90 },
      baseline: { requests: 10_000, errors: 40 },
    }));
    const j = judgeWindow(defaultPolicy, 'web', 'alpha', windows, 15 * 60_000, 60_000);
    expect(j.metrics.error_rate.status).toBe('red');
    expect(j.metrics.error_rate.bound!).toBeGreaterThan(0.05);
    expect(j.metrics.error_rate.bound!).toBeLessThan(0.09);
    expect(j.metrics.error_rate.windows).toBeGreaterThanOrEqual(1);
    const [first] = explain(j);
    expect(first).toMatchObject({ metric: 'error_rate', status: 'red', canary: 0.09, baseline: 0.004, threshold: 0.05 });
  });
});
