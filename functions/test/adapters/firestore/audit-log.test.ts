import { Timestamp } from 'firebase-admin/firestore';
import { createFirestoreAuditLog } from '../../../src/adapters/firestore/audit-log';
import type { AuditEntry } from '../../../src/ports/audit';
import { testFirestore } from '../../support/firestore';

const { db, close } = testFirestore('audit-log');
const audit = createFirestoreAuditLog(db);
afterAll(close);

/** The source document's example entry. */
const rollback: AuditEntry = {
  ts: 1697040000000,
  action: 'auto_rollback',
  actorUid: 'system',
  targetId: 'v28R.1',
  meta: { channel: 'stable', reason: 'Error rate 8% (threshold 5%)', rollback_to: 'v28R.0', affected_users: 10000, duration_minutes: 45, trigger: 'auto-policy' },
};

describe('Firestore AuditLog', () => {
  it('stores the entry in the source document shape, beside a server createdAt and the idempotency key', async () => {
    const { id, created } = await audit.append(rollback, 'rollback:web__v28R.1__stable:1');
    expect(created).toBe(true);
    const raw = (await db.doc(`admin_audit/${id}`).get()).data()!;
    expect(raw).toEqual({ ...rollback, createdAt: expect.any(Timestamp), idempotencyKey: 'rollback:web__v28R.1__stable:1' });
    expect(id).toMatch(/^[0-9a-f]{40}$/);
  });

  it('stores one entry when the same event is appended by 10 parallel callers', async () => {
    const entry = { ...rollback, ts: rollback.ts + 1, action: 'manual_rollback' };
    const results = await Promise.all(Array.from({ length: 10 }, () => audit.append(entry, 'manual:42')));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(await audit.list({ action: 'manual_rollback' })).toHaveLength(1);
  });

  it('keeps the first version when a retried write carries different content', async () => {
    const first = await audit.append({ ...rollback, action: 'promote', ts: 5 }, 'promote:1');
    const again = await audit.append({ ...rollback, action: 'promote', ts: 6 }, 'promote:1');
    expect(again).toEqual({ id: first.id, created: false });
    expect((await audit.list({ action: 'promote' })).map((e) => e.ts)).toEqual([5]);
  });

  it('rejects an entry that breaks the shape, naming the field, and writes nothing', async () => {
    await expect(audit.append({ ...rollback, action: '' }, 'bad:1')).rejects.toThrow(/action: /);
    await expect(audit.append(rollback, '')).rejects.toThrow(/idempotency key/);
  });

  it('lists newest first by ts, filtered by target, action or both, within the limit', async () => {
    const log = createFirestoreAuditLog(db);
    for (const [i, target, action] of [
      [1, 'v1', 'pause'],
      [2, 'v1', 'auto_rollback'],
      [3, 'v2', 'pause'],
      [4, 'v1', 'pause'],
    ] as const) {
      await log.append({ ts: 2_000_000_000_000 + i, action, actorUid: 'system', targetId: target, meta: { step: i } }, `list:${i}`);
    }
    expect((await log.list({ targetId: 'v1' })).map((e) => e.meta.step)).toEqual([4, 2, 1]);
    expect((await log.list({ action: 'pause', limit: 2 })).map((e) => e.meta.step)).toEqual([4, 3]);
    expect((await log.list({ targetId: 'v1', action: 'pause' })).map((e) => e.meta.step)).toEqual([4, 1]);
    const newest = await log.list({ limit: 1 });
    expect(newest).toEqual([
      { id: expect.any(String), ts: 2_000_000_000_004, action: 'pause', actorUid: 'system', targetId: 'v1', meta: { step: 4 }, idempotencyKey: 'list:4', createdAt: expect.any(Number) },
    ]);
  });

  it('skips an entry edited into an invalid shape instead of failing the listing', async () => {
    await db.doc('admin_audit/hand-edited').set({ ts: 'yesterday', action: 'skip_me', actorUid: 'x', targetId: 'zz', meta: {} });
    await audit.append({ ...rollback, targetId: 'zz', action: 'skip_me' }, 'skip:1');
    expect((await audit.list({ targetId: 'zz' })).map((e) => e.idempotencyKey)).toEqual(['skip:1']);
  });
});
