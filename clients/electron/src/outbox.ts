import { randomId, sampleBucket } from './ids';
import type { ProblemKind } from './options';
import { sendBatch, wireBody } from './send';
import { seal, type TelemetryState } from './state';
import type { NetLike } from './surface';

/** The server drops windows that start more than 15 minutes before its clock; one more minute for skew. */
const STALE_MS = 16 * 60_000;
const BACKOFF_BASE_MS = 5_000;
const BACKOFF_MAX_MS = 5 * 60_000;

export interface OutboxDeps {
  state: TelemetryState;
  net: NetLike;
  endpoint: string;
  key: string;
  maxStoredBatches: number;
  now: () => number;
  /** Writes the state to disk at once. */
  save: () => void;
  problem: (kind: ProblemKind, message: string) => void;
}

export interface Outbox {
  /** Seals the minutes before `before` into batches, then drops what the server would drop and what is over the limit. */
  seal(before: number): void;
  /** Sends the due batches, oldest first (`force`: even during a backoff). Never rejects. */
  kick(force?: boolean): Promise<void>;
  /** True when a send may start now (no backoff running). */
  due(): boolean;
}

/**
 * The unsent batches of `state.batches` and their sending: one send at a time; a batch leaves the
 * state only when answered 202/200 (done) or refused for good (dropped); a failure stops the round
 * and backs off exponentially (5 s doubling to 5 min, jittered, at least Retry-After).
 */
export function createOutbox(d: OutboxDeps): Outbox {
  const { state } = d;
  let chain: Promise<void> = Promise.resolve();
  let queued: Promise<void> | null = null;
  let queuedForce = false;
  let failures = 0;
  let nextSendAt = 0;

  async function sendDue(force: boolean): Promise<void> {
    while (state.batches.length > 0 && (force || d.now() >= nextSendAt)) {
      const batch = state.batches[0]!;
      const outcome = await sendBatch(d.net, d.endpoint, wireBody(batch, d.key, state.installId));
      if (outcome.kind === 'retry') {
        failures += 1;
        const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (failures - 1)) * (0.5 + Math.random() / 2);
        nextSendAt = d.now() + Math.max(backoff, outcome.afterMs ?? 0);
        d.problem('retry', `batch ${batch.batchId}: ${outcome.reason}; next attempt in ${Math.round((nextSendAt - d.now()) / 1000)} s`);
        return;
      }
      failures = 0;
      nextSendAt = 0;
      state.batches = state.batches.filter((b) => b.batchId !== batch.batchId);
      if (outcome.kind === 'drop') d.problem('dropped', `batch ${batch.batchId} refused: ${outcome.reason}`);
      if (outcome.kind === 'done' && outcome.sampleRate !== null && sampleBucket(state.installId) >= outcome.sampleRate) {
        // Outside the sample: this release's counts stop here (telemetry.ts asks again after a day).
        state.unsampled = { release: batch.release, rate: outcome.sampleRate, at: d.now() };
        state.batches = state.batches.filter((b) => b.release !== batch.release);
        state.open = state.open.filter((w) => w.release !== batch.release);
      }
      d.save();
      force = false;
    }
  }

  return {
    seal(before) {
      seal(state, before, randomId);
      const t = d.now();
      const fresh = state.batches.filter((b) => b.windows.some((w) => Date.parse(w.start) > t - STALE_MS));
      const over = Math.max(0, fresh.length - d.maxStoredBatches);
      const stale = state.batches.length - fresh.length;
      if (stale + over > 0) d.problem('dropped', `${stale} batch(es) older than the server accepts and ${over} over the limit of ${d.maxStoredBatches} were discarded unsent`);
      state.batches = fresh.slice(over);
    },
    // A kick while a send runs queues one follow-up, which sees every batch sealed until it starts:
    // a batch sealed during a send (a quit) is never left waiting for the next tick.
    kick(force = false) {
      queuedForce ||= force;
      queued ??= chain.then(() => {
        queued = null;
        const f = queuedForce;
        queuedForce = false;
        return sendDue(f).catch((err: unknown) => d.problem('internal', String(err)));
      });
      chain = queued;
      return queued;
    },
    due: () => d.now() >= nextSendAt,
  };
}
