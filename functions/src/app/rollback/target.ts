import { canaryId, type Canary, type CanaryStatus } from '../../core/canary';
import { CHANNELS } from '../../core/types';
import type { CanaryStore } from '../../ports';

/** Releases whose own canary asked for or got a rollback: never a rollback target (D6). */
const KNOWN_BAD: readonly CanaryStatus[] = ['rollback_requested', 'rolling_back', 'rolled_back', 'rollback_failed'];
const MAX_HOPS = 10;

export type TargetResult = { ok: true; release: string; skipped: string[] } | { ok: false; reason: string };

/**
 * The last known-good release before `canary`: its previous release, unless that release's own
 * canary (on any channel of the same platform) was rolled back or asked for one, in which case the walk goes one
 * further back. No candidate means no rollback: never to nothing, never to a known-bad release.
 */
export async function lastKnownGood(canaries: CanaryStore, canary: Canary): Promise<TargetResult> {
  const skipped: string[] = [];
  const seen = new Set([canary.release]);
  let candidate = canary.previousRelease;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    if (!candidate) {
      return {
        ok: false,
        reason: skipped.length
          ? `no known-good release before ${canary.release}: ${skipped.join(', ')} were rolled back and nothing earlier is recorded`
          : `no previous release recorded for ${canary.release}; refusing to roll back to nothing`,
      };
    }
    if (seen.has(candidate)) return { ok: false, reason: `release history of ${canary.release} loops at ${candidate}` };
    seen.add(candidate);
    const reads = await Promise.all(CHANNELS.map((ch) => canaries.get(canaryId(canary.platform, candidate!, ch))));
    // Asked to be rolled back at all (even if a guard rail then held it back) counts as known-bad.
    const bad = reads.find((r) => r?.ok && (KNOWN_BAD.includes(r.canary.status) || r.canary.rollbackRequest !== undefined));
    if (!bad || !bad.ok) return { ok: true, release: candidate, skipped };
    skipped.push(candidate);
    candidate = bad.canary.previousRelease;
  }
  return { ok: false, reason: `no known-good release within ${MAX_HOPS} releases before ${canary.release}` };
}
