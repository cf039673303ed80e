import type { Octokit } from '@octokit/rest';
import type { Canary } from '../core/canary';
import type { CanaryStore, ConfigStore } from '../ports/canary-store';
import { createCohortShareStep } from './cohorts/share-step';
import { PLATFORMS, type Channel, type Platform } from '../core/types';
import { systemClock, type Clock } from '../ports/clock';
import type { ActionOutcome, PlatformActuators, PromotionStep, RollbackActuators, RollbackStep, RollbackStepName } from '../ports/platform';
import { createDispatchStep } from './github/dispatch';
import { createGitHubReleaseStep, promoteGitHubRelease } from './github/releases';
import { createHostingRollbackStep, promoteHostingRelease } from './hosting/channel-releases';
import { lazyHostingClient, type HostingClientOptions } from './hosting/client';
import { lazyPlayClient, type PlayClientOptions } from './play/client';
import { createPlayHaltStep, promotePlayRelease } from './play/track-actions';

/** Which rollback steps run on each platform unless configured otherwise. */
export const DEFAULT_ROLLBACK_STEPS: Record<Platform, RollbackStepName[]> = {
  // The cohort router's share first: users are back on stable within one navigation.
  web: ['cohort_share', 'dispatch', 'hosting_release'],
  desktop: ['dispatch', 'github_release'],
  mobile: ['dispatch', 'play_halt'],
};

export interface PlatformActuatorsConfig {
  clock?: Clock;
  /** An Octokit factory (createGitHubClient with retries off: the rollback runner owns retries). */
  github?: { client: () => Promise<Octokit>; defaultRepository?: string };
  play?: PlayClientOptions & { tracks?: Partial<Record<Channel, string>> };
  hosting?: HostingClientOptions & { channels?: Partial<Record<Channel, string>> };
  /**
   * The canary store the web cohort router reads its shares from (the `cohort_share` step writes
   * there), and `config/web_cohorts`, which says whether a router fronts a site at all.
   */
  cohorts?: { canaries: CanaryStore; config?: ConfigStore };
  /** Rollback steps per platform (default DEFAULT_ROLLBACK_STEPS). */
  steps?: Partial<Record<Platform, RollbackStepName[]>>;
  /** Steps switched off everywhere: they run as a do-nothing step that says so. */
  disabled?: RollbackStepName[];
}

/** A switched-off step: it records that it did nothing, and why. */
function disabledStep(name: RollbackStepName, why: string): RollbackStep {
  return {
    name,
    describe: () => `${name}: disabled (${why})`,
    execute: async (): Promise<ActionOutcome> => ({ status: 'skipped', detail: `${name} disabled by configuration (${why})` }),
    readiness: async () => [{ step: name, check: 'configuration', outcome: 'ok', detail: `${name} is switched off: nothing to prove` }],
  };
}

function missing(what: string): never {
  throw new Error(`platform actuators: ${what} is not configured`);
}

/**
 * The typed registry of platform actuators: promotion per platform and the rollback steps each
 * platform runs. An enabled step whose adapter is not configured is an error at construction,
 * never a silent no-op; an unknown platform is an error at use.
 */
export function createPlatformActuators(config: PlatformActuatorsConfig): PlatformActuators & RollbackActuators {
  const clock = config.clock ?? systemClock;
  const disabled = new Set(config.disabled ?? []);
  const stepsOf = (platform: Platform) => config.steps?.[platform] ?? DEFAULT_ROLLBACK_STEPS[platform];
  const needed = new Set(PLATFORMS.flatMap((p) => stepsOf(p)).filter((s) => !disabled.has(s)));

  const github = config.github ? { github: config.github.client, defaultRepository: config.github.defaultRepository, clock } : undefined;
  const play = config.play ? { play: lazyPlayClient(config.play), clock, tracks: config.play.tracks } : undefined;
  const hosting = config.hosting ? { hosting: lazyHostingClient(config.hosting), clock, channels: config.hosting.channels } : undefined;

  const factories: Record<RollbackStepName, () => RollbackStep> = {
    cohort_share: () => createCohortShareStep({ canaries: config.cohorts?.canaries ?? missing('the cohort shares (canary store)'), clock, config: config.cohorts?.config }),
    dispatch: () => createDispatchStep(github ?? missing('GitHub (dispatch)')),
    github_release: () => createGitHubReleaseStep(github ?? missing('GitHub (releases)')),
    hosting_release: () => createHostingRollbackStep(hosting ?? missing('Firebase Hosting')),
    play_halt: () => createPlayHaltStep(play ?? missing('Google Play')),
  };
  const steps = new Map<RollbackStepName, RollbackStep>();
  for (const name of Object.keys(factories) as RollbackStepName[]) {
    steps.set(name, disabled.has(name) || !needed.has(name) ? disabledStep(name, 'switched off') : factories[name]());
  }

  return {
    rollbackSteps(canary: Canary): RollbackStep[] {
      if (!PLATFORMS.includes(canary.platform)) throw new Error(`unknown platform ${String(canary.platform)} for canary ${canary.id}`);
      return stepsOf(canary.platform).map((name) => steps.get(name)!);
    },
    async promote(canary: Canary, from: PromotionStep, to: PromotionStep): Promise<ActionOutcome> {
      switch (canary.platform) {
        case 'web':
          return promoteHostingRelease(hosting ?? missing('Firebase Hosting'), canary, from, to);
        case 'desktop':
          return promoteGitHubRelease(github ?? missing('GitHub (releases)'), canary, from, to);
        case 'mobile':
          return promotePlayRelease(play ?? missing('Google Play'), canary, from, to);
        default: {
          const exhaustive: never = canary.platform;
          throw new Error(`unknown platform ${String(exhaustive)}`);
        }
      }
    },
  };
}
