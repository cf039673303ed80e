import fc from 'fast-check';
import { buildDigest, canonicalJson, compareInstants, hashDigest, hashEntry, instantFromMs, type Digest } from '../../../src/core/audit-chain';
import { verifyChain, type EntryFingerprint } from '../../../src/core/audit-verify';

const at = (ms: number) => instantFromMs(ms);

describe('canonical JSON and entry hashes', () => {
  it('does not depend on key order, at any depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
  });

  it('tags the numbers JSON cannot spell, so NaN and null hash differently', () => {
    expect(canonicalJson([NaN, Infinity, -Infinity, null])).toBe('[{"$number":"NaN"},{"$number":"Infinity"},{"$number":"-Infinity"},null]');
    expect(hashEntry('e', { v: NaN })).not.toBe(hashEntry('e', { v: null }));
  });

  it('refuses values that are not JSON-like instead of hashing them loosely', () => {
    expect(() => canonicalJson({ when: new Date(0) })).toThrow(/cannot encode/);
  });

  it('changes the hash when any leaf of an entry changes (property)', () => {
    const json = fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.boolean(), fc.constant(null)), { minKeys: 1, maxKeys: 6 });
    fc.assert(
      fc.property(json, fc.nat(), fc.string({ minLength: 1, maxLength: 6 }), (data, pick, extra) => {
        const keys = Object.keys(data);
        const key = keys[pick % keys.length];
        const changed = { ...data, [key]: typeof data[key] === 'string' ? `${data[key] as string}${extra}` : `x${extra}` };
        expect(hashEntry('id', changed)).not.toBe(hashEntry('id', data));
        const reordered = Object.fromEntries(Object.entries(data).reverse());
        expect(hashEntry('id', reordered)).toBe(hashEntry('id', data));
      }),
    );
  });

  it('binds the hash to the entry id, so an entry cannot be moved under another id', () => {
    expect(hashEntry('a', { x: 1 })).not.toBe(hashEntry('b', { x: 1 }));
  });

  it('orders instants by seconds then nanoseconds', () => {
    expect(compareInstants({ seconds: 1, nanos: 5 }, { seconds: 1, nanos: 6 })).toBeLessThan(0);
    expect(compareInstants(at(2000), { seconds: 1, nanos: 999_999_999 })).toBeGreaterThan(0);
    expect(instantFromMs(1697040000123)).toEqual({ seconds: 1697040000, nanos: 123_000_000 });
  });
});

describe('verifyChain', () => {
  const e = (id: string, ms: number, hash = `h-${id}`): EntryFingerprint => ({ id, createdAt: at(ms), hash });
  const entries = [e('a', 1000), e('b', 2000), e('c', 3000), e('d', 4000)];
  const d1 = buildDigest(null, [{ id: 'a', hash: 'h-a' }, { id: 'b', hash: 'h-b' }], at(2500), 10_000);
  const d2 = buildDigest(d1, [{ id: 'c', hash: 'h-c' }], at(3500), 20_000);
  const chain: Digest[] = [d1, d2];

  it('finds an intact trail intact, counting the unsealed entry as pending', () => {
    expect(verifyChain(chain, entries)).toMatchObject({ ok: true, digests: 2, entries: 4, sealed: 3, pending: 1, problems: [], head: { seq: 2, hash: d2.hash } });
  });

  it('reports a changed, a deleted and an inserted entry', () => {
    const tampered = [e('a', 1000, 'other'), e('c', 3000), e('d', 4000), e('late', 3400)];
    expect(verifyChain(chain, tampered).problems).toEqual([
      { kind: 'entry_changed', entryId: 'a', seq: 1 },
      { kind: 'entry_deleted', entryId: 'b', seq: 1 },
      { kind: 'entry_inserted', entryId: 'late', createdAt: '1970-01-01T00:00:03.400000000Z' },
    ]);
  });

  it('treats an entry exactly at the sealed upper bound as inside the sealed range', () => {
    expect(verifyChain(chain, [...entries, e('edge', 3500)]).problems).toEqual([{ kind: 'entry_inserted', entryId: 'edge', createdAt: expect.any(String) }]);
  });

  it('reports an entry without a createdAt timestamp as malformed', () => {
    expect(verifyChain(chain, [...entries, { id: 'x', createdAt: null, hash: 'h' }]).problems).toEqual([{ kind: 'entry_malformed', entryId: 'x', detail: expect.any(String) }]);
  });

  it('reports a digest whose content no longer matches its hash', () => {
    const edited = { ...d1, entries: [{ id: 'a', hash: 'h-a' }] };
    expect(verifyChain([edited, d2], entries).problems).toContainEqual({ kind: 'digest_changed', seq: 1 });
  });

  it('reports a digest rewritten with a fresh hash through the broken link to the next one', () => {
    const body = { ...d1, entries: [{ id: 'a', hash: 'h-a' }] };
    const rewritten = { ...body, hash: hashDigest(body) };
    expect(verifyChain([rewritten, d2], entries).problems).toEqual([
      { kind: 'chain_broken', seq: 2, detail: expect.stringMatching(/prevHash/) },
      { kind: 'entry_inserted', entryId: 'b', createdAt: expect.any(String) },
    ]);
  });

  it('reports a missing digest in the middle of the chain', () => {
    const d3 = buildDigest(d2, [{ id: 'd', hash: 'h-d' }], at(4500), 30_000);
    // c's own digest is gone, so c reads as unlisted inside the sealed range.
    expect(verifyChain([d1, d3], entries).problems).toEqual([
      { kind: 'digest_missing', seq: 2 },
      { kind: 'entry_inserted', entryId: 'c', createdAt: expect.any(String) },
    ]);
  });

  it('reports a gap in coverage between consecutive digests', () => {
    const body = { seq: 2, prevHash: d1.hash, from: at(2600), to: at(3500), entries: [{ id: 'c', hash: 'h-c' }], sealedAt: 20_000 };
    expect(verifyChain([d1, { ...body, hash: hashDigest(body) }], entries).problems).toEqual([{ kind: 'chain_broken', seq: 2, detail: expect.stringMatching(/ended at/) }]);
  });

  it('catches the newest digest being deleted only against an expected head', () => {
    expect(verifyChain([d1], entries.slice(0, 2)).ok).toBe(true);
    expect(verifyChain([d1], entries.slice(0, 2), { expectedHead: { seq: 2, hash: d2.hash } }).problems).toEqual([
      { kind: 'chain_broken', seq: 2, detail: expect.stringMatching(/expected head/) },
    ]);
  });
});
