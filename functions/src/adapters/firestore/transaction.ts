import type { Firestore, Transaction } from 'firebase-admin/firestore';

/** gRPC codes (GrpcStatus) of a transaction the store ended without committing it. */
const INVALID_ARGUMENT = 3;
const ABORTED = 10;

/** Runs of the SDK's own retry loop (5 attempts each, backoff from 1 s) before the error is the caller's. */
export const TRANSACTION_ROUNDS = 3;
/** No new run starts this long after the first: the api function's own timeout is 60 s. */
export const TRANSACTION_BUDGET_MS = 30_000;

/**
 * True when the store ended the transaction without committing anything, so running the whole
 * body again (it re-reads, and decides again) is exactly what the SDK does on ABORTED.
 * - ABORTED: contention; the SDK retries it itself and throws it once its attempts are spent.
 * - INVALID_ARGUMENT "Transaction is invalid or closed.": the official emulator's answer to a
 *   request of a transaction it closed after a lock wait of 2 s timed out. A body that reads in
 *   parallel (Promise.all of tx.get) can see it before the ABORTED of the read that waited, and
 *   the SDK does not retry it: it retries INVALID_ARGUMENT only as "transaction has expired",
 *   production's word for the same thing.
 */
export function endedUncommitted(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code === ABORTED) return true;
  return code === INVALID_ARGUMENT && typeof message === 'string' && /transaction is invalid or closed|transaction has expired/i.test(message);
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * db.runTransaction that outlasts contention: when the store ends the transaction without
 * committing it (endedUncommitted), the whole body runs again from its reads, up to
 * TRANSACTION_ROUNDS runs of the SDK's retry loop and within TRANSACTION_BUDGET_MS. What the body
 * decides (a refusal it throws, a conflict it reads) is never retried: only the store's "not
 * committed" is. Every read-modify-write of the Firestore adapters goes through here.
 */
export async function runTransaction<T>(db: Pick<Firestore, 'runTransaction'>, body: (tx: Transaction) => Promise<T>): Promise<T> {
  const started = Date.now();
  for (let round = 1; ; round++) {
    try {
      return await db.runTransaction(body);
    } catch (error) {
      if (!endedUncommitted(error) || round >= TRANSACTION_ROUNDS || Date.now() - started >= TRANSACTION_BUDGET_MS) throw error;
      // Spread the contenders out, so the next run does not meet them all on the same lock.
      await pause(250 + Math.random() * 750 * round);
    }
  }
}
