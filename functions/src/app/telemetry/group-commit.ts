import type { BatchOutcome, KeyUsage, PendingBatch } from '../../ports';

export interface GroupCommitOptions {
  /** How long the first report of a group waits for others before its commit starts (ms). */
  lingerMs: number;
  /** A group that starts on an idle lane also waits while reports keep coming, each within this gap of the last (ms)... */
  gapMs?: number;
  /** ...but its first report waits at most this long (ms). */
  maxWaitMs?: number;
  /** At most this many batches per commit (a Firestore commit writes at most 500 documents). */
  maxBatches: number;
}

export const DEFAULT_GROUP_COMMIT: GroupCommitOptions = { lingerMs: 5, gapMs: 1, maxWaitMs: 20, maxBatches: 200 };

interface Waiting {
  batch: PendingBatch;
  since: number;
  resolve: (outcome: BatchOutcome) => void;
  reject: (error: unknown) => void;
}

interface Lane {
  queue: Waiting[];
  running?: Promise<void>;
  timer?: NodeJS.Timeout;
}

export interface UsageSource {
  /** Usage rows due to be written with the next commit. */
  take(): KeyUsage[];
  /** The commit carrying them failed: they are due again. */
  giveBack(rows: KeyUsage[]): void;
}

/**
 * Group commit in lanes: reports arriving while their lane's commit is in flight wait and go
 * together in the lane's next one. A lane (the store's `lane(batch)`) is a set of documents no
 * other lane writes, so lanes commit side by side without contending, and each lane runs one
 * commit at a time: writes grow with commits, not reports. Each report's promise settles only
 * after its commit did: a 202 answered on it is in Firestore. A failed commit rejects every report
 * in it (nothing of them was recorded). Key usage rides on one commit at a time, so an older
 * absolute count never lands after a newer one.
 */
export function createGroupCommitter(
  commit: (batches: PendingBatch[], usage: KeyUsage[]) => Promise<BatchOutcome[]>,
  usage: UsageSource,
  laneOf: (batch: PendingBatch) => string,
  options: GroupCommitOptions = DEFAULT_GROUP_COMMIT,
): { submit(batch: PendingBatch): Promise<BatchOutcome>; idle(): Promise<void> } {
  const lanes = new Map<string, Lane>();
  let usageInFlight = false;

  const gap = options.gapMs ?? 0;
  const maxWait = Math.max(options.lingerMs, options.maxWaitMs ?? options.lingerMs);

  function schedule(name: string, lane: Lane, afterCommit = false): void {
    if (lane.running || lane.timer) return;
    if (lane.queue.length === 0) return void lanes.delete(name);
    const now = performance.now();
    const first = lane.queue[0]!.since;
    // Reports that waited behind the previous commit go at once. A group that starts on an idle lane
    // waits out the linger, and longer while a burst is still arriving (200 installs reporting at
    // once reach the lane over tens of ms as their requests are parsed): one commit, not several.
    const due = afterCommit ? first + options.lingerMs : Math.min(first + maxWait, Math.max(first + options.lingerMs, lane.queue.at(-1)!.since + gap));
    if (lane.queue.length >= options.maxBatches || due <= now) return flush(name, lane);
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      schedule(name, lane);
    }, due - now);
  }

  function flush(name: string, lane: Lane): void {
    if (lane.timer) clearTimeout(lane.timer);
    lane.timer = undefined;
    const group = lane.queue.splice(0, options.maxBatches);
    const rows = usageInFlight ? [] : usage.take();
    if (rows.length > 0) usageInFlight = true;
    lane.running = commit(
      group.map((w) => w.batch),
      rows,
    ).then(
      (outcomes) => group.forEach((w, i) => w.resolve(outcomes[i]!)),
      (error: unknown) => {
        usage.giveBack(rows);
        group.forEach((w) => w.reject(error));
      },
    );
    void lane.running.finally(() => {
      if (rows.length > 0) usageInFlight = false;
      lane.running = undefined;
      schedule(name, lane, true);
    });
  }

  return {
    submit(batch) {
      return new Promise<BatchOutcome>((resolve, reject) => {
        const name = laneOf(batch);
        let lane = lanes.get(name);
        if (!lane) lanes.set(name, (lane = { queue: [] }));
        lane.queue.push({ batch, since: performance.now(), resolve, reject });
        schedule(name, lane);
      });
    },
    async idle() {
      while (lanes.size > 0) {
        const busy = [...lanes.values()].map((l) => l.running ?? new Promise((r) => setTimeout(r, options.lingerMs + 1)));
        await Promise.all(busy);
      }
    },
  };
}
