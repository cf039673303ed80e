import type { Canary } from '../../core/canary';
import type { ActionOutcome, PlatformActuators, PromotionStep } from '../../ports/platform';

/**
 * A clearly named do-nothing actuator for code paths whose platform adapters are not wired in.
 * It records intent only; with `failLoudly` (production) it throws rather than pretend it acted.
 */
export function unwiredActuators(options: { failLoudly: boolean }): PlatformActuators {
  return {
    async promote(canary: Canary, from: PromotionStep, to: PromotionStep): Promise<ActionOutcome> {
      const what = `${canary.platform} ${canary.release}: ${from.channel} ${from.rolloutPercent}% -> ${to.channel} ${to.rolloutPercent}%`;
      if (options.failLoudly) throw new Error(`platform actuators are not wired; refusing to pretend to promote ${what}`);
      return { status: 'skipped', detail: `no platform actuator wired; promotion recorded only (${what})` };
    },
  };
}
