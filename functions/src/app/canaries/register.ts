import { canaryId, type Canary, type ReleaseTarget, type RolloutState } from '../../core/canary';
import type { Channel, Platform } from '../../core/types';
import type { AuditLog, CanaryRead, CanaryStore, Clock } from '../../ports';

export interface CanaryRegistration {
  platform: Platform;
  release: string;
  previousRelease?: string | null;
  channel: Channel;
  target?: ReleaseTarget;
  dryRun?: boolean;
}

export interface RegisterDeps {
  canaries: CanaryStore;
  audit: AuditLog;
  clock: Clock;
  /** The rollout's starting position for (platform, channel): the rollout policy's first stage. */
  initialRollout: (platform: Platform, channel: Channel, now: number) => RolloutState;
}

/**
 * Registers a release on a channel, right after CI deployed it. Idempotent per (platform, release,
 * channel): the id is deterministic and the document is created with createIfAbsent, so a repeat
 * or a concurrent registration returns the one canary that exists.
 */
export async function registerCanary(
  deps: RegisterDeps,
  input: CanaryRegistration,
  actor: string,
): Promise<{ created: boolean; canary: CanaryRead }> {
  const now = deps.clock.now();
  const id = canaryId(input.platform, input.release, input.channel);
  const canary: Canary = {
    id,
    platform: input.platform,
    release: input.release,
    previousRelease: input.previousRelease ?? null,
    channel: input.channel,
    status: 'running',
    dryRun: input.dryRun ?? false,
    createdAt: now,
    updatedAt: now,
    createdBy: actor,
    target: input.target ?? {},
    rollout: deps.initialRollout(input.platform, input.channel, now),
    gates: {},
  };
  const result = await deps.canaries.createIfAbsent(canary);
  if (result.created) {
    await deps.audit.append(
      {
        ts: now,
        action: 'canary_registered',
        actorUid: actor,
        targetId: input.release,
        meta: { channel: input.channel, platform: input.platform, previous_release: canary.previousRelease, canary_id: id, dry_run: canary.dryRun },
      },
      `canary_registered:${id}`,
    );
  }
  return result;
}
