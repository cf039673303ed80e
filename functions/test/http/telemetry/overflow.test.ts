import { deleteApp, initializeApp } from 'firebase-admin/app';
import { getFirestore } from 'firebase-admin/firestore';
import { decodeEntry, minutesOf, type InstallEntry } from '../../../src/adapters/firestore/telemetry-layout';
import { shortHash } from '../../../src/app/telemetry/prepare';
import { officialEmulator, testFirestore } from '../../support/firestore';
import { addKey, minuteIso, report, startIngest, T0, TestClock, totals, type IngestServer } from './harness';

const MINUTE = Math.floor(T0 / 60_000) * 60_000;
const ACCEPTED = { accepted: 1, dropped: 0, sampleRate: 1 };

interface Link {
  id: string;
  link: number;
  count: number;
  full: boolean;
  requests: number;
  entries: Map<string, InstallEntry>;
}

/**
 * Overflow links (docs/telemetry.md): a (release, minute, shard) whose installs would not fit in
 * one document (1 MiB) is a chain of documents, each closed to new installs once it holds
 * `installsPerDocument` of them; an install's entry stays in the link it was first written to.
 */
describe('telemetry overflow links', () => {
  const fs = testFirestore('tel-overflow');
  const clock = new TestClock();
  afterAll(() => fs.close());

  /** The minute's documents of shard 0, in link order. */
  async function chain(release: string): Promise<Link[]> {
    const snap = await minutesOf(fs.db, 'web', release).get();
    const links = snap.docs
      .filter((d) => d.get('minute') === MINUTE)
      .map((d): Link => {
        const entries = new Map<string, InstallEntry>();
        for (const [h, value] of Object.entries((d.get('i') ?? {}) as Record<string, unknown>)) {
          const entry = decodeEntry(value);
          if (!entry) throw new Error(`${d.id}: entry ${h} does not decode`);
          entries.set(h, entry);
        }
        return { id: d.id, link: d.get('link') as number, count: d.get('count') as number, full: d.get('full') === true, requests: (d.get('t.requests') as number | undefined) ?? 0, entries };
      });
    return links.sort((a, b) => a.link - b.link);
  }

  /** Links 0..m under their ids, each within `perDoc` with `count` = its entries, all but the last full, no install in two links. */
  function expectWellFormed(links: Link[], perDoc: number): void {
    expect(links.map((l) => l.id)).toEqual(links.map((_, j) => (j === 0 ? `${MINUTE}_0` : `${MINUTE}_0_${j}`)));
    expect(links.map((l) => l.link)).toEqual(links.map((_, j) => j));
    for (const l of links) {
      expect(l.count).toBeLessThanOrEqual(perDoc);
      expect(l.count).toBe(l.entries.size);
    }
    expect(links.slice(0, -1).map((l) => [l.full, l.count])).toEqual(links.slice(0, -1).map(() => [true, perDoc]));
    const hashes = links.flatMap((l) => [...l.entries.keys()]);
    expect(new Set(hashes).size).toBe(hashes.length);
  }

  const linkOf = (links: Link[], installId: string) => links.filter((l) => l.entries.has(shortHash('i', installId)));

  /** 25 installs of one release in one minute, posted at once to one instance with 4 installs per document. */
  async function fill(release: string) {
    const { key } = await addKey(fs.db);
    const api = await startIngest(fs.db, clock, { shards: 1, installsPerDocument: 4 });
    const ids = Array.from({ length: 25 }, (_, i) => `install-${release}-${String(i).padStart(2, '0')}`);
    const bodies = ids.map((id, i) => report(key, { release, windows: [{ start: minuteIso(T0), requests: 8, errors: i % 5 === 0 ? 1 : 0 }] }, id));
    const replies = await Promise.all(bodies.map((body) => api.post(body)));
    return { key, api, ids, bodies, replies };
  }

  it('spreads 25 installs of a new release over 7 linked documents of 4 installs, and counts every one of them once', async () => {
    const { api, ids, replies } = await fill('ovf-fill');
    await api.close();
    expect(replies.map((r) => r.status)).toEqual(new Array(25).fill(202));
    const t = await totals(fs.db, { release: 'ovf-fill' });
    expect([t.requests, t.errors, t.installs.all, t.cappedWindows]).toEqual([200, 5, 25, 0]);
    const links = await chain('ovf-fill');
    expectWellFormed(links, 4);
    expect(links.map((l) => l.count)).toEqual([4, 4, 4, 4, 4, 4, 1]);
    expect(links.map((l) => l.full)).toEqual([true, true, true, true, true, true, false]);
    // Each link's totals are its own installs' counts, and every install is in exactly one link.
    for (const l of links) expect(l.requests).toBe(8 * l.count);
    for (const id of ids) expect(linkOf(links, id)).toHaveLength(1);
  });

  it('answers retries of every batch with 200 and the first answer, and updates an install in a full link there, within its caps', async () => {
    const { api, ids, bodies } = await fill('ovf-again');
    const before = await totals(fs.db, { release: 'ovf-again' });
    const retries = await Promise.all(bodies.map((body) => api.post(body)));
    expect(retries.map((r) => r.status)).toEqual(new Array(25).fill(200));
    for (const r of retries) expect(r.json).toEqual(ACCEPTED);
    const afterRetries = await totals(fs.db, { release: 'ovf-again' });
    expect([afterRetries.requests, afterRetries.errors, afterRetries.installs.all]).toEqual([before.requests, before.errors, 25]);

    const links = await chain('ovf-again');
    const { key } = await addKey(fs.db);
    // An install of link 0 (closed to new installs) sends a second batch: it adds to its entry in link 0.
    const first = ids.find((id) => links[0]!.entries.has(shortHash('i', id)))!;
    const second = await api.post(report(key, { release: 'ovf-again', windows: [{ start: minuteIso(T0), requests: 30, errors: 2 }] }, first));
    expect(second.status).toBe(202);
    let after = await chain('ovf-again');
    expect(after.map((l) => l.count)).toEqual(links.map((l) => l.count));
    expect(after[0]!.requests).toBe(links[0]!.requests + 30);
    expect(after.at(-1)!.requests).toBe(links.at(-1)!.requests);
    expect(linkOf(after, first).map((l) => l.link)).toEqual([0]);
    expect(after[0]!.entries.get(shortHash('i', first))!.r).toBe(38);

    // An install of link 1 sends 400 requests with 50 errors twice: it reaches its caps (600, 60), not 808 and 100.
    const capped = ids.find((id) => links[1]!.entries.has(shortHash('i', id)))!;
    const e0 = links[1]!.entries.get(shortHash('i', capped))!.e;
    const mid = await totals(fs.db, { release: 'ovf-again' });
    for (let k = 0; k < 2; k++) {
      const r = await api.post(report(key, { release: 'ovf-again', windows: [{ start: minuteIso(T0), requests: 400, errors: 50 }] }, capped));
      expect(r.status).toBe(202);
    }
    await api.close();
    after = await chain('ovf-again');
    expect(linkOf(after, capped).map((l) => l.link)).toEqual([1]);
    const entry = after[1]!.entries.get(shortHash('i', capped))!;
    expect([entry.r, entry.e]).toEqual([600, 60]);
    expect(after[1]!.requests).toBe(links[1]!.requests + 592);
    const end = await totals(fs.db, { release: 'ovf-again' });
    expect([end.requests - mid.requests, end.errors - mid.errors, end.cappedWindows - mid.cappedWindows, end.installs.all]).toEqual([592, 60 - e0, 1, 25]);
    expectWellFormed(after, 4);
  });

  it('finds on an instance that never saw the minute the batches already stored in links 1 to 6, and puts a new install in the open tail link', async () => {
    const { api, ids, bodies } = await fill('ovf-fresh');
    await api.close();
    const links = await chain('ovf-fresh');
    const before = await totals(fs.db, { release: 'ovf-fresh' });
    const app = initializeApp({ projectId: fs.projectId }, `${fs.projectId}-fresh`);
    let fresh: IngestServer | undefined;
    try {
      fresh = await startIngest(getFirestore(app), clock, { shards: 1, installsPerDocument: 4 });
      const later = bodies.filter((_, i) => linkOf(links, ids[i]!)[0]!.link >= 1);
      expect(later).toHaveLength(21);
      const retries = await Promise.all(later.map((body) => fresh!.post(body)));
      expect(retries.map((r) => r.status)).toEqual(new Array(21).fill(200));
      for (const r of retries) expect(r.json).toEqual(ACCEPTED);
      const { key } = await addKey(fs.db);
      const added = await fresh.post(report(key, { release: 'ovf-fresh', windows: [{ start: minuteIso(T0), requests: 11, errors: 0 }] }, 'install-ovf-fresh-new'));
      expect(added.status).toBe(202);
    } finally {
      await fresh?.close();
      await deleteApp(app);
    }
    const t = await totals(fs.db, { release: 'ovf-fresh' });
    expect([t.requests, t.errors, t.installs.all]).toEqual([before.requests + 11, before.errors, 26]);
    const after = await chain('ovf-fresh');
    expectWellFormed(after, 4);
    expect(after.map((l) => l.count)).toEqual([4, 4, 4, 4, 4, 4, 2]);
    expect(linkOf(after, 'install-ovf-fresh-new').map((l) => l.link)).toEqual([6]);
    expect(after[6]!.full).toBe(false);
  });

  (officialEmulator ? it : it.skip)('two instances filling the same chain at once, in waves on views the other overtakes, record each of 40 installs once, in one link, with no link over 5 (official emulator only: it needs update-time preconditions)', async () => {
    const { key } = await addKey(fs.db);
    const app = initializeApp({ projectId: fs.projectId }, `${fs.projectId}-race`);
    const a = await startIngest(fs.db, clock, { shards: 1, installsPerDocument: 5 });
    const b = await startIngest(getFirestore(app), clock, { shards: 1, installsPerDocument: 5 });
    const ids = Array.from({ length: 40 }, (_, i) => `install-ovf-race-${String(i).padStart(2, '0')}`);
    const pairs = [];
    // Four waves of 10 new installs: after the first, both instances hold views of the chain that the
    // other's next commit overtakes. From the second on, an install of an earlier wave (in a link
    // that may be closed by now) sends a second batch in the same wave.
    for (let wave = 0; wave < 4; wave++) {
      const bodies = ids.slice(wave * 10, wave * 10 + 10).map((id, i) => report(key, { release: 'ovf-race', windows: [{ start: minuteIso(T0), requests: 6, errors: i % 4 === 0 ? 1 : 0 }] }, id));
      if (wave > 0) bodies.push(report(key, { release: 'ovf-race', windows: [{ start: minuteIso(T0), requests: 5, errors: 0 }] }, ids[(wave - 1) * 10]!));
      // Every batch goes to both instances at once: one records it, the other finds its marker.
      pairs.push(...(await Promise.all(bodies.map((body) => Promise.all([a.post(body), b.post(body)])))));
    }
    await a.close();
    await b.close();
    await deleteApp(app);
    expect(pairs).toHaveLength(43);
    for (const pair of pairs) expect(pair.map((r) => r.status).sort()).toEqual([200, 202]);
    for (const pair of pairs) for (const r of pair) expect(r.json).toEqual(ACCEPTED);
    const t = await totals(fs.db, { release: 'ovf-race' });
    expect([t.requests, t.errors, t.installs.all]).toEqual([40 * 6 + 3 * 5, 12, 40]);
    const links = await chain('ovf-race');
    expectWellFormed(links, 5);
    expect(links.reduce((n, l) => n + l.count, 0)).toBe(40);
    // A last link with room is open; only a link holding 5 installs is closed.
    const last = links.at(-1)!;
    if (last.count < 5) expect(last.full).toBe(false);
    for (const id of ids) expect(linkOf(links, id)).toHaveLength(1);
    // Each link's totals are its installs' counts: 6 requests each, 5 more for each of the three second batches.
    for (const l of links) expect(l.requests).toBe(6 * l.count + 5 * [0, 10, 20].filter((i) => l.entries.has(shortHash('i', ids[i]!))).length);
  });
  it('gives no entry in a link to a new install whose every window was dropped, even when the same commit writes that link', async () => {
    const { key } = await addKey(fs.db);
    // 20 minutes later the minute's windows are too old: a batch whose earliest window is that minute still keeps its marker there.
    const later = new TestClock(T0 + 20 * 60_000);
    const api = await startIngest(fs.db, later, { shards: 1, installsPerDocument: 4 });
    const kept = report(key, { release: 'ovf-dropped', windows: [{ start: minuteIso(T0), requests: 9, errors: 9 }, { start: minuteIso(later.ms), requests: 5, errors: 0 }] }, 'install-kept');
    const dropped = Array.from({ length: 6 }, (_, i) => report(key, { release: 'ovf-dropped', windows: [{ start: minuteIso(T0), requests: 9, errors: 9 }] }, `install-dropped-${i}`));
    // Sent at once, so they meet in the same group commits as the batch that writes the old minute's link.
    const replies = await Promise.all([kept, ...dropped].map((body) => api.post(body)));
    await api.close();
    expect(replies.map((r) => [r.status, r.json])).toEqual([[202, { accepted: 1, dropped: 1, sampleRate: 1 }], ...dropped.map(() => [202, { accepted: 0, dropped: 1, sampleRate: 1 }])]);
    const links = await chain('ovf-dropped');
    expect(links.map((l) => [l.count, l.entries.size])).toEqual([[1, 1]]);
    expect([...links[0]!.entries.keys()]).toEqual([shortHash('i', 'install-kept')]);
  });
});
