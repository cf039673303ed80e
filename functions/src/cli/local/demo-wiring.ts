import type { Firestore } from 'firebase-admin/firestore';
import { createFirestoreCanaryStore } from '../../adapters/firestore';
import type { Scenario } from '../../config/scenario-schema';
import type { Clock } from '../../ports';
import type { CanaryBreak } from './canary-break';
import { createDemoMount } from './demo';
import type { LocalMount } from './mounts';

/**
 * The demo mount on the runner's store: its pages report with the run's ingest key (whose origins
 * are the runner's own), and the story's canary is found by its release.
 */
export function demoMountFor(
  db: Firestore,
  scenario: Scenario,
  clock: Clock,
  tickMs: number,
  ingestKey: string,
  follow: { canaryBreak: CanaryBreak; canaryInstalls: number },
  served?: () => string | undefined,
): LocalMount {
  const store = createFirestoreCanaryStore(db);
  return createDemoMount({
    scenario,
    ...follow,
    ingestKey,
    now: () => clock.now(),
    tickMs,
    ...(served ? { served } : {}),
    canary: async () => {
      const reads = await store.list({ platform: scenario.platform, limit: 100 });
      const mine = reads.flatMap((r) => (r.ok && r.canary.release === scenario.release ? [r.canary] : []));
      return mine.sort((a, b) => b.createdAt - a.createdAt)[0] ?? null;
    },
  });
}
