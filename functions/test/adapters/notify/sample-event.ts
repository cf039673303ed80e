import type { NotificationEvent } from '../../../src/core/notification';

/** A rollback's message with the numbers the story's canary shows. */
export function sampleEvent(over: Partial<NotificationEvent> = {}): NotificationEvent {
  return {
    id: 'a1b2c3d4e5f6',
    kind: 'rollback_completed',
    severity: 'critical',
    action: 'rollback_completed',
    at: Date.UTC(2026, 10, 29, 8, 0, 0),
    actor: 'system',
    release: '2.4.1',
    platform: 'web',
    channel: 'alpha',
    canaryId: 'web__2.4.1__alpha',
    title: 'Rollback completed: web 2.4.1 on alpha',
    reason: 'Error rate 8% (threshold 5%)',
    metrics: [
      { metric: 'error_rate', status: 'red', canary: 0.08, bound: 0.061, baseline: 0.004, threshold: 0.05, windows: 15 },
      { metric: 'p95_latency', status: 'green', canary: 210, bound: null, baseline: 200, threshold: 0.5, windows: 10 },
    ],
    facts: [
      { label: 'Rolled back to', value: '2.4.0' },
      { label: 'MTTR', value: '3.5 min' },
    ],
    links: [
      { label: 'Status page', url: 'https://status.example.com/canaries/web__2.4.1__alpha' },
      { label: 'Release', url: 'https://github.com/acme/app/releases/tag/2.4.1' },
    ],
    ...over,
  };
}
