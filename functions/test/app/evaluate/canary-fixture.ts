import type { Canary } from '../../../src/core/canary';
import type { Platform } from '../../../src/core/types';
import { sampleCanary } from '../../adapters/firestore/sample-canary';

/** A valid running canary document, as the registration endpoint would store it (v29.1.0 on alpha). */
export function canaryFixture(overrides: Partial<Canary> & { id?: string; platform?: Platform } = {}): Canary {
  const createdAt = overrides.createdAt ?? Date.parse('2026-01-05T00:00:00Z');
  const platform = overrides.platform ?? 'web';
  const base = sampleCanary();
  return {
    ...base,
    id: overrides.id ?? `${platform}__v29.1.0__alpha`,
    platform,
    release: 'v29.1.0',
    previousRelease: 'v29.0.0',
    createdAt,
    updatedAt: createdAt,
    target: {},
    rollout: { ...base.rollout, stageStartedAt: createdAt },
    ...overrides,
  };
}
