import type { BatchOutcome, KeyUsage, PendingBatch } from '../../ports';

export interface GroupCommitOptions {
  /** How long the first report of a group waits for others before the commit starts (ms). */
  lingerMs: number;
  /** At most this many batches per commit (a Firestore transaction writes at most 500 documents). */
  maxBatches: number;
}

export const DEFAULT_GROUP_COMMIT: GroupCommitOptions = { lingerMs: 5, maxBatches: 200 };

interface Waiting {
  batch: PendingBatch;
  resolve: (outcome: BatchOutcome) => void;
  reject: (error: unknown) => void;
}

export interface UsageSource {
  /** Usage rows due to be written with the next commit. */
  take(): KeyUsage[];
  /** The commit carrying them failed: they are due again. */
  giveBack(rows: KeyUsage[]): void;
}

/**
 * Group commit: reports arriving while a commit is in flight wait and go together in the next one,
 * so one instance runs one transaction at a time whatever its concurrency, and writes grow with
 * commits, not reports. Each report's promise settles only after its commit did: a 202 answered on
 * it is in Firestore. A failed commit rejects every report in it (nothing of them was recorded).
 */
export function createGroupCommitter(
  commit: (batches: PendingBatch[], usage: KeyUsage[]) => Promise<BatchOutcome[]>,
  usage: UsageSource,
  options: GroupCommitOptions = DEFAULT_GROUP_COMMIT,
): { submit(batch: PendingBatch): Promise<BatchOutcome>; idle(): Promise<void> } {
  const queue: Waiting[] = [];
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  function schedule(): void {
    if (running || timer || queue.length === 0) return;
    if (queue.length >= options.maxBatches) return void flush();
    timer = setTimeout(flush, options.lingerMs);
  }

  function flush(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const group = queue.splice(0, options.maxBatches);
    const rows = usage.take();
    running = commit(
      group.map((w) => w.batch),
      rows,
    ).then(
      (outcomes) => group.forEach((w, i) => w.resolve(outcomes[i]!)),
      (error: unknown) => {
        usage.giveBack(rows);
        group.forEach((w) => w.reject(error));
      },
    );
    void running.finally(() => {
      running = undefined;
      schedule();
    });
  }

  return {
    submit(batch) {
      return new Promise<BatchOutcome>((resolve, reject) => {
        queue.push({ batch, resolve, reject });
        schedule();
      });
    },
    async idle() {
      while (running || timer || queue.length > 0) await (running ?? new Promise((r) => setTimeout(r, options.lingerMs + 1)));
    },
  };
}
