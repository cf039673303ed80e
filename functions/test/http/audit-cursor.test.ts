import { createFirestoreAuditLog, createFirestoreCanaryStore, createFirestoreIdempotencyStore } from '../../src/adapters/firestore';
import { createApp } from '../../src/http/app';
import { createAuthenticator } from '../../src/http/auth';
import { testFirestore } from '../support/firestore';
import { call, listen } from './harness';

const KEY = 'cursor-key-0123456789abcdef';
const TOTAL = 620;

describe('GET /audit pages with a cursor, past the newest 500', () => {
  const store = testFirestore('audit-cursor');
  const audit = createFirestoreAuditLog(store.db);
  let server: { url: string; close: () => Promise<void> };

  beforeAll(async () => {
    // Three entries share each ts: ties must neither repeat nor vanish across pages.
    for (let start = 0; start < TOTAL; start += 62) {
      await Promise.all(
        Array.from({ length: 62 }, (_, j) => start + j).map((i) =>
          audit.append({ ts: 1_700_000_000_000 + Math.floor(i / 3) * 1000, action: i % 2 ? 'promote' : 'auto_rollback', actorUid: 'ci', targetId: 'v1.0.0', meta: { i } }, `cursor-${i}`),
        ),
      );
    }
    server = await listen(
      createApp({
        canaries: createFirestoreCanaryStore(store.db),
        audit,
        idempotency: createFirestoreIdempotencyStore(store.db),
        clock: { now: () => Date.now() },
        authenticate: createAuthenticator({ apiKeys: () => ({ ci: KEY }) }),
        log: () => undefined,
      }),
    );
  }, 120_000);
  afterAll(async () => {
    await server.close();
    await store.close();
  });

  const get = (path: string) => call(server.url, 'GET', path, { token: KEY });

  it('reads all 620 entries in pages of 500 then 120, newest first, each once, with a next token and a Link header', async () => {
    const first = await get('/audit?limit=500');
    expect(first.status).toBe(200);
    const page1 = first.json.entries as { id: string; ts: number; meta: { i: number } }[];
    expect(page1).toHaveLength(500);
    expect(typeof first.json.next).toBe('string');
    expect(first.headers.link).toContain('rel="next"');
    const second = await get(`/audit?limit=500&cursor=${String(first.json.next)}`);
    const page2 = second.json.entries as typeof page1;
    expect(page2).toHaveLength(TOTAL - 500);
    expect(second.json.next).toBeNull();
    const all = [...page1, ...page2];
    expect(new Set(all.map((e) => e.meta.i)).size).toBe(TOTAL);
    for (let k = 1; k < all.length; k++) expect(all[k - 1].ts).toBeGreaterThanOrEqual(all[k].ts);
  });

  it('follows the Link header page by page with a filter', async () => {
    let path: string | null = '/audit?action=promote&limit=100';
    const seen: number[] = [];
    while (path) {
      const reply = await get(path);
      expect(reply.status).toBe(200);
      seen.push(...(reply.json.entries as { meta: { i: number } }[]).map((e) => e.meta.i));
      path = reply.json.next ? /<([^>]+)>/.exec(String(reply.headers.link))![1] : null;
    }
    expect(seen).toHaveLength(TOTAL / 2);
    expect(new Set(seen).size).toBe(TOTAL / 2);
  });

  it('refuses a forged token, a token of another filter and a token whose entry is gone with 400 naming cursor', async () => {
    const first = await get('/audit?limit=5');
    const token = String(first.json.next);
    const forged = Buffer.from(JSON.stringify({ v: 1, after: 'x', f: '0000000000000000' })).toString('base64url');
    const gone = Buffer.from(JSON.stringify({ v: 1, after: 'nope', f: JSON.parse(Buffer.from(token, 'base64url').toString()).f as string })).toString('base64url');
    for (const path of [`/audit?cursor=${forged}`, `/audit?action=promote&cursor=${token}`, '/audit?cursor=!!', `/audit?cursor=${gone}`]) {
      const reply = await get(path);
      expect({ path, status: reply.status }).toEqual({ path, status: 400 });
      expect((reply.json.fields as { field: string }[])[0].field).toBe('cursor');
    }
  });
});
