import { canaryId, type Canary, type ReleaseTarget, type RolloutState } from '../../core/canary';
import type { Channel, Platform } from '../../core/types';
import type { AuditLog, CanaryRead, CanaryStore, Clock, PendingAuditEntry, RollbackActuators } from '../../ports';
import { checkReadiness, readinessEntry, summaryOf, type ReadinessReport } from './readiness';
import { checkChannelOrder, type ChannelEvidence } from './channel-order';

export interface CanaryRegistration {
  platform: Platform;
  release: string;
  previousRelease?: string | null;
  channel: Channel;
  target?: ReleaseTarget;
  dryRun?: boolean;
  /** Enter beta or stable without having passed the channel before: the reason is audited. */
  skipChannelOrder?: { reason: string };
}

export type RegisterOutcome =
  | {
      status: 'registered';
      created: boolean;
      canary: CanaryRead;
      channelOrder: 'passed' | 'skipped' | 'first_channel' | 'not_checked';
      /** The rollback readiness check run for a new canary; null when not run (a repeat, or no actuators). */
      readiness: ReadinessReport | null;
    }
  | { status: 'out_of_order'; requires: Channel; reason: string; evidence: ChannelEvidence[] };

export interface RegisterDeps {
  canaries: CanaryStore;
  audit: AuditLog;
  clock: Clock;
  /** The rollout's starting position for (platform, channel): the rollout policy's first stage. */
  initialRollout: (platform: Platform, channel: Channel, now: number) => RolloutState;
  /** The rollback steps, for the readiness check at registration; absent: no check (and the answer says so). */
  rollbackActuators?: () => Promise<RollbackActuators>;
}

/**
 * Registers a release on a channel, right after CI deployed it. Idempotent per (platform, release,
 * channel): the id is deterministic and the document is created with createIfAbsent, so a repeat
 * or a concurrent registration returns the one canary that exists (a repeat is not re-checked).
 * A release enters beta or stable only after it passed the channel before it, unless the caller
 * skips that check with a reason, which is audited.
 */
export async function registerCanary(deps: RegisterDeps, input: CanaryRegistration, actor: string): Promise<RegisterOutcome> {
  const now = deps.clock.now();
  const id = canaryId(input.platform, input.release, input.channel);
  const existing = await deps.canaries.get(id);
  if (existing) return { status: 'registered', created: false, canary: existing, channelOrder: 'not_checked', readiness: null };
  const order = await checkChannelOrder(deps.canaries, input.platform, input.release, input.channel);
  if (!order.ok && !input.skipChannelOrder) return { status: 'out_of_order', requires: order.requires, reason: order.reason, evidence: order.evidence };
  const channelOrder = order.ok ? (order.passedBy ? 'passed' : 'first_channel') : 'skipped';
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
  // A canary whose rollback could not run is still registered (the release is already deployed),
  // but flagged: the summary is on the document and the full report in the audit trail.
  const readiness = deps.rollbackActuators ? await checkReadiness({ canaries: deps.canaries, actuators: await deps.rollbackActuators(), clock: deps.clock }, canary) : null;
  if (readiness) canary.readiness = summaryOf(readiness);
  const audit: PendingAuditEntry[] = [];
  if (!order.ok && input.skipChannelOrder) {
    // Its own entry, so "who let a release skip alpha, and why" is one audit query (action filter).
    audit.push({
      entry: {
        ts: now,
        action: 'channel_order_skipped',
        actorUid: actor,
        targetId: input.release,
        meta: { channel: input.channel, platform: input.platform, canary_id: id, requires: order.requires, reason: input.skipChannelOrder.reason, check: order.reason },
      },
      idempotencyKey: `channel_order_skipped:${id}`,
    });
  }
  audit.push({
    entry: {
      ts: now,
      action: 'canary_registered',
      actorUid: actor,
      targetId: input.release,
      meta: {
        channel: input.channel,
        platform: input.platform,
        previous_release: canary.previousRelease,
        canary_id: id,
        dry_run: canary.dryRun,
        channel_order: channelOrder,
        rollback_ready: readiness ? readiness.ready : null,
        ...(readiness && !readiness.ready ? { rollback_missing: readiness.missing } : {}),
        ...(order.ok && order.passedBy ? { passed_by: order.passedBy } : {}),
      },
    },
    idempotencyKey: `canary_registered:${id}`,
  });
  if (readiness) audit.push(readinessEntry(canary, readiness, actor, 'registration'));
  // The canary and its entries are one unit: a registration is never without its trail, and a
  // concurrent registration that lost the create writes neither.
  const result = await deps.canaries.createIfAbsent(canary, { audit });
  if (!result.created) return { status: 'registered', ...result, channelOrder: 'not_checked', readiness: null };
  return { status: 'registered', ...result, channelOrder, readiness };
}
