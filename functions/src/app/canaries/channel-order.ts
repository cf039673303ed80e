import { canaryId, type Canary } from '../../core/canary';
import { CHANNELS, type Channel, type Platform } from '../../core/types';
import type { CanaryStore } from '../../ports';

/** Statuses that say the release went bad somewhere: it never "passed" a channel, whatever its position. */
const WENT_BAD = new Set(['rollback_requested', 'rolling_back', 'rolled_back', 'rollback_failed']);

/** One stored canary of the release looked at, as the 409 answer shows it. */
export interface ChannelEvidence {
  id: string;
  status: string;
  /** Where its rollout stands now (a canary moves alpha -> beta -> stable in one document). */
  at: Channel | null;
}

export type ChannelOrderResult =
  | { ok: true; passedBy: string | null }
  | { ok: false; requires: Channel; reason: string; evidence: ChannelEvidence[] };

/**
 * "Always start with alpha" (source document, line 391): a release enters `channel` only after it
 * passed the channel before it on the same platform. Passed means a stored canary of the release
 * that started on that channel or earlier and whose rollout has moved beyond it (the evaluator
 * promotes within one document), and that was never rolled back. Alpha needs nothing.
 */
export async function checkChannelOrder(canaries: CanaryStore, platform: Platform, release: string, channel: Channel): Promise<ChannelOrderResult> {
  const index = CHANNELS.indexOf(channel);
  if (index === 0) return { ok: true, passedBy: null };
  const requires = CHANNELS[index - 1]!;
  const earlier = CHANNELS.slice(0, index);
  const reads = await Promise.all(earlier.map((ch) => canaries.get(canaryId(platform, release, ch))));
  const evidence: ChannelEvidence[] = [];
  let passedBy: Canary | null = null;
  let bad: Canary | null = null;
  for (const read of reads) {
    if (!read) continue;
    if (!read.ok) {
      evidence.push({ id: read.id, status: 'invalid', at: null });
      continue;
    }
    const c = read.canary;
    evidence.push({ id: c.id, status: c.status, at: c.rollout.channel });
    if (WENT_BAD.has(c.status) || c.rollbackRequest !== undefined) bad ??= c;
    else if (CHANNELS.indexOf(c.rollout.channel) > CHANNELS.indexOf(requires) || (c.status === 'completed' && c.rollout.channel === requires)) passedBy ??= c;
  }
  if (bad) return { ok: false, requires, evidence, reason: `${release} was rolled back on ${platform} (canary ${bad.id}, ${bad.status}); a rolled-back release does not move on` };
  if (passedBy) return { ok: true, passedBy: passedBy.id };
  const reason = evidence.length
    ? `${release} has not yet passed ${requires} on ${platform}: its canary has not been promoted beyond ${requires}`
    : `${release} was never registered on ${requires} on ${platform}; every release starts with alpha`;
  return { ok: false, requires, evidence, reason };
}
