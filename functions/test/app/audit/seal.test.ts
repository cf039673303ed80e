import { compareInstants, instantFromMs, type Digest, type Instant } from '../../../src/core/audit-chain';
import { sealAudit } from '../../../src/app/audit/seal';
import type { AuditSealStore, SealableEntry } from '../../../src/ports/audit-seal';

/** An in-memory AuditSealStore with the Firestore adapter's semantics (create() of digest seq). */
class MemorySealStore implements AuditSealStore {
  readonly digests = new Map<number, Digest>();
  constructor(
    readonly entries: SealableEntry[],
    readonly storeTimeMs = Number.MAX_SAFE_INTEGER / 2,
  ) {}
  async head() {
    const digest = this.digests.size ? this.digests.get(Math.max(...this.digests.keys()))! : null;
    return { digest, storeTime: instantFromMs(this.storeTimeMs) };
  }
  async entriesBetween(from: Instant | null, to: Instant, limit?: number) {
    return this.entries
      .filter((e) => (!from || compareInstants(e.createdAt, from) > 0) && compareInstants(e.createdAt, to) <= 0)
      .sort((a, b) => compareInstants(a.createdAt, b.createdAt))
      .slice(0, limit);
  }
  async createDigest(d: Digest) {
    if (this.digests.has(d.seq)) return false;
    this.digests.set(d.seq, d);
    return true;
  }
}

const entry = (id: string, ms: number): SealableEntry => ({ id, createdAt: instantFromMs(ms), hash: `h-${id}` });
const NOW = 1_000_000;

describe('sealAudit', () => {
  it('seals only entries older than the lag, up to now - lag', async () => {
    const store = new MemorySealStore([entry('old', NOW - 120_000), entry('fresh', NOW - 10_000)]);
    const outcome = await sealAudit(store, NOW);
    expect(outcome).toMatchObject({ status: 'sealed', digests: [{ seq: 1, entries: 1 }] });
    expect(store.digests.get(1)).toMatchObject({ from: null, to: instantFromMs(NOW - 60_000), entries: [{ id: 'old', hash: 'h-old' }] });
  });

  it('never seals past the store clock minus the lag when the local clock runs ahead', async () => {
    const store = new MemorySealStore([entry('a', 1000), entry('b', 50_000)], 100_000);
    await sealAudit(store, 10_000_000);
    expect(store.digests.get(1)).toMatchObject({ to: instantFromMs(40_000), entries: [{ id: 'a' }] });
  });

  it('continues the chain from the previous digest on the next run', async () => {
    const store = new MemorySealStore([entry('a', 1000)]);
    await sealAudit(store, 100_000);
    store.entries.push(entry('b', 150_000));
    await sealAudit(store, 300_000);
    const [d1, d2] = [store.digests.get(1)!, store.digests.get(2)!];
    expect(d2).toMatchObject({ prevHash: d1.hash, from: d1.to, entries: [{ id: 'b' }] });
  });

  it('writes nothing when nothing new is old enough, until the heartbeat is due', async () => {
    const store = new MemorySealStore([entry('a', 1000)]);
    await sealAudit(store, 100_000);
    expect(await sealAudit(store, 200_000)).toEqual({ status: 'nothing_to_seal' });
    expect(await sealAudit(store, 100_000 + 3_600_000)).toMatchObject({ status: 'sealed', digests: [{ seq: 2, entries: 0 }] });
  });

  it('splits a large backlog into digests without splitting entries that share an instant', async () => {
    const burst = [entry('a', 1000), entry('b', 2000), entry('c', 2000), entry('d', 2000), entry('e', 3000)];
    const store = new MemorySealStore(burst);
    const outcome = await sealAudit(store, NOW, { maxEntriesPerDigest: 2 });
    expect(outcome).toMatchObject({ status: 'sealed' });
    const lists = [...store.digests.values()].map((d) => d.entries.map((e) => e.id));
    expect(lists).toEqual([['a', 'b', 'c', 'd'], ['e']]);
    expect(lists.flat()).toEqual(burst.map((e) => e.id));
  });

  it('cuts a backlog exactly at the limit when the next entry is later', async () => {
    const store = new MemorySealStore([entry('a', 1000), entry('b', 2000), entry('c', 3000)]);
    await sealAudit(store, NOW, { maxEntriesPerDigest: 2 });
    expect([...store.digests.values()].map((d) => [d.entries.map((e) => e.id), d.to])).toEqual([
      [['a', 'b'], instantFromMs(2000)],
      [['c'], instantFromMs(NOW - 60_000)],
    ]);
  });

  it('lets one of two concurrent sealers write the next digest and tells the other it raced', async () => {
    const store = new MemorySealStore([entry('a', 1000)]);
    const outcomes = await Promise.all([sealAudit(store, NOW), sealAudit(store, NOW + 1)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['raced', 'sealed']);
    expect(store.digests.size).toBe(1);
  });
});
