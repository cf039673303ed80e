import { createGroupCommitter } from '../../../src/app/telemetry/group-commit';
import type { BatchOutcome, KeyUsage, PendingBatch } from '../../../src/ports';

/** Commits that record their groups and finish when the test says so. */
function recorder() {
  const groups: string[][] = [];
  const open: (() => void)[] = [];
  const commit = (batches: PendingBatch[], _usage: KeyUsage[]): Promise<BatchOutcome[]> => {
    groups.push(batches.map((b) => b.batchHash));
    return new Promise((resolve) => open.push(() => resolve(batches.map((b) => ({ kind: 'recorded', answer: b.answer })))));
  };
  const finishAll = () => open.splice(0).forEach((f) => f());
  return { groups, commit, finishAll };
}

const batch = (n: number) => ({ batchHash: `b${n}`, answer: { accepted: 1, dropped: 0, sampleRate: 1 } }) as unknown as PendingBatch;
const noUsage = { take: () => [], giveBack: () => undefined };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Submits `n` reports `spacingMs` apart; their answers. */
async function spaced(committer: ReturnType<typeof createGroupCommitter>, n: number, spacingMs: number): Promise<Promise<BatchOutcome>[]> {
  const answers: Promise<BatchOutcome>[] = [];
  for (let i = 0; i < n; i++) {
    answers.push(committer.submit(batch(i)));
    await sleep(spacingMs);
  }
  return answers;
}

describe('group commit', () => {
  it('waits for a burst that is still arriving on an idle lane, so it goes in one commit', async () => {
    const r = recorder();
    const committer = createGroupCommitter(r.commit, noUsage, () => 'lane', { lingerMs: 20, gapMs: 150, maxWaitMs: 3_000, maxBatches: 200 });
    // Ten reports 25 ms apart: each within the gap of the last, the burst lasts well past the linger.
    const answers = await spaced(committer, 10, 25);
    await sleep(300);
    expect(r.groups).toEqual([Array.from({ length: 10 }, (_, i) => `b${i}`)]);
    r.finishAll();
    await Promise.all(answers);
  });

  it('never holds the first report of a group past maxWaitMs, however long the burst', async () => {
    const r = recorder();
    const committer = createGroupCommitter(r.commit, noUsage, () => 'lane', { lingerMs: 10, gapMs: 80, maxWaitMs: 120, maxBatches: 200 });
    const answers = await spaced(committer, 12, 30);
    // 12 reports over ~360 ms: the first commit started by 120 ms after the first report, before the burst ended.
    expect(r.groups.length).toBeGreaterThanOrEqual(1);
    expect(r.groups[0]!.length).toBeLessThan(12);
    r.finishAll();
    await sleep(200);
    r.finishAll();
    await Promise.all(answers);
    expect(r.groups.flat()).toEqual(Array.from({ length: 12 }, (_, i) => `b${i}`));
  });

  it('sends the reports that waited behind a commit at once when it ends, in one group', async () => {
    const r = recorder();
    const committer = createGroupCommitter(r.commit, noUsage, () => 'lane', { lingerMs: 10, gapMs: 500, maxWaitMs: 5_000, maxBatches: 200 });
    const first = committer.submit(batch(0));
    await sleep(900); // the lone report went after its linger and gap
    expect(r.groups).toEqual([['b0']]);
    const behind = [1, 2, 3].map((i) => committer.submit(batch(i)));
    await sleep(50);
    expect(r.groups).toHaveLength(1); // still behind the first commit
    r.finishAll();
    await first;
    await sleep(50); // far less than the gap: they waited behind a commit, so the gap does not apply
    expect(r.groups).toEqual([['b0'], ['b1', 'b2', 'b3']]);
    r.finishAll();
    await Promise.all(behind);
  });
});
