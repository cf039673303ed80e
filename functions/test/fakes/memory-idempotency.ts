import { randomUUID } from 'node:crypto';
import type { IdempotencyBegin, IdempotencyStore, StoredAnswer } from '../../src/ports/idempotency';

interface Entry {
  fingerprint: string;
  claim: string;
  startedAt: number;
  answer?: StoredAnswer;
}

/** In-memory IdempotencyStore with the Firestore adapter's rules, on an injectable clock. */
export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly records = new Map<string, Entry>();

  constructor(
    private readonly staleAfterMs = 120_000,
    private readonly now: () => number = Date.now,
  ) {}

  async begin(key: string, fingerprint: string): Promise<IdempotencyBegin> {
    const found = this.records.get(key);
    const claim = randomUUID();
    if (!found) {
      this.records.set(key, { fingerprint, claim, startedAt: this.now() });
      return { kind: 'run', claim, tookOver: false };
    }
    if (found.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (found.answer) return { kind: 'replay', answer: structuredClone(found.answer) };
    const age = this.now() - found.startedAt;
    if (age < this.staleAfterMs) return { kind: 'in_flight', retryAfterSeconds: Math.max(1, Math.ceil((this.staleAfterMs - age) / 4000)) };
    found.claim = claim;
    found.startedAt = this.now();
    return { kind: 'run', claim, tookOver: true };
  }

  async complete(key: string, claim: string, answer: StoredAnswer): Promise<boolean> {
    const found = this.records.get(key);
    if (!found || found.claim !== claim || found.answer) return false;
    found.answer = structuredClone(answer);
    return true;
  }

  async release(key: string, claim: string): Promise<void> {
    const found = this.records.get(key);
    if (found && found.claim === claim && !found.answer) this.records.delete(key);
  }
}
