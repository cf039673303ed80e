import { createKeyLookup, KEY_CACHE_MS, newIngestKey } from '../../../src/app/telemetry/keys';
import type { IngestKey, IngestKeyRead, IngestKeyStore } from '../../../src/ports';

/** Keys in memory, counting the reads the lookup makes. */
function memoryKeys() {
  const keys = new Map<string, IngestKey>();
  const reads: string[] = [];
  const store: IngestKeyStore = {
    get: (id) => {
      reads.push(id);
      const key = keys.get(id);
      return Promise.resolve<IngestKeyRead | null>(key ? { ok: true, key: { ...key } } : null);
    },
    list: () => Promise.resolve([...keys.values()].map((key) => ({ ok: true as const, key }))),
    create: (key) => Promise.resolve(keys.has(key.id) ? false : (keys.set(key.id, key), true)),
    revoke: (id, at) => {
      const key = keys.get(id);
      if (!key) return Promise.resolve(false);
      keys.set(id, { ...key, revoked: true, revokedAt: at });
      return Promise.resolve(true);
    },
  };
  return { store, reads };
}

describe('the ingest key lookup', () => {
  const record = (id: string): IngestKey => ({ id, app: 'shop', platforms: ['web'], origins: [], appCheck: false, revoked: false, createdAt: 0 });

  it('reads a key once per cache period, and a revocation takes effect when the period ends', async () => {
    const { store, reads } = memoryKeys();
    const clock = { ms: 1_000_000, now() { return this.ms; } };
    const { key, id } = newIngestKey();
    await store.create(record(id));
    const lookup = createKeyLookup(store, clock);

    expect(await lookup(key)).toMatchObject({ id, app: 'shop' });
    clock.ms += 1_000;
    expect(await lookup(key)).toMatchObject({ id });
    expect(reads).toEqual([id]);

    await store.revoke(id, clock.ms);
    clock.ms += KEY_CACHE_MS - 1_001;
    // Still within the period of the first read: this instance has not looked again yet.
    expect(await lookup(key)).not.toBeNull();
    clock.ms += 1;
    expect(await lookup(key)).toBeNull();
    expect(reads).toEqual([id, id]);
  });

  it('caches an unknown key as unknown, and answers a malformed one without a read', async () => {
    const { store, reads } = memoryKeys();
    const lookup = createKeyLookup(store, { now: () => 0 });
    const { key, id } = newIngestKey();
    expect(await lookup(key)).toBeNull();
    expect(await lookup(key)).toBeNull();
    expect(await lookup('not-a-key')).toBeNull();
    expect(await lookup(`${key}x`)).toBeNull();
    expect(reads).toEqual([id]);
  });

  it('reads again after a failed read instead of keeping the failure', async () => {
    const { store, reads } = memoryKeys();
    const { key, id } = newIngestKey();
    await store.create(record(id));
    let fail = true;
    const flaky: IngestKeyStore = { ...store, get: (i) => (fail ? (reads.push(i), Promise.reject(new Error('unavailable'))) : store.get(i)) };
    const lookup = createKeyLookup(flaky, { now: () => 0 });
    await expect(lookup(key)).rejects.toThrow('unavailable');
    fail = false;
    expect(await lookup(key)).toMatchObject({ id });
    expect(reads).toEqual([id, id]);
  });
});
