import type { Canary } from '../../../src/core/canary';
import type { Platform } from '../../../src/core/types';

/** A valid running canary document, as the registration endpoint would store it. */
export function canaryFixture(overrides: Partial<Canary> & { id?: string; platform?: Platform } = {}): Canary {
  const createdAt = overrides.createdAt ?? Date.parse('2026-01-05T00:00:00Z');
  const platform = overrides.platform ?? 'web';
  return {
    id: overrides.id ?? `${platform}__v29.1.0__alpha`,
    platform,
    release: 'v29.1.0',
    previousRelease: 'v29.0.0',
    channel: 'alpha',
    status: 'running',
    dryRun: false,
    createdAt,
    updatedAt: createdAt,
    createdBy: 'ci',
    target: {},
    rollout: {
      channel: 'alpha',
      stageIndex: 0,
      rolloutPercent: 10,
      stageStartedAt: createdAt,
      greenSince: null,
      streaks: { red: 0, yellow: 0, noData: 0, inconclusive: 0 },
      lastWindowStart: null,
      frozen: false,
      redSince: null,
    },
    gates: {},
    ...overrides,
  };
}
