import { Timestamp, type Firestore } from 'firebase-admin/firestore';
import { createFirestoreAuditLog } from '../../../src/adapters/firestore/audit-log';
import { runAuditVerify } from '../../../src/cli/audit-verify';
import { sealAuditTrail, verifyAuditTrail } from '../../../src/cli/audit-trail';
import type { AuditEntry } from '../../../src/ports/audit';
import { testFirestore } from '../../support/firestore';

const opened: (() => Promise<void>)[] = [];
afterAll(async () => Promise.all(opened.map((close) => close())));

/** Seals everything written so far (no lag: the test has awaited its writes). */
const sealNow = (db: Firestore) => sealAuditTrail(db, Date.now(), { lagMs: 0 });

const entry = (i: number): AuditEntry => ({
  ts: 1697040000000 + i,
  action: i % 2 ? 'auto_rollback' : 'promote',
  actorUid: 'system',
  targetId: `v28R.${i}`,
  meta: { channel: 'stable', reason: `Error rate ${i}% (threshold 5%)`, rollback_to: 'v28R.0', affected_users: 10000, duration_minutes: 45, trigger: 'auto-policy' },
});

/** A fresh project with `count` entries appended and sealed. */
async function sealedTrail(label: string, count = 12): Promise<{ db: Firestore; projectId: string; ids: string[] }> {
  const { db, projectId, close } = testFirestore(label);
  opened.push(close);
  const log = createFirestoreAuditLog(db);
  const ids = (await Promise.all(Array.from({ length: count }, (_, i) => log.append(entry(i), `event-${i}`)))).map((r) => r.id);
  expect(await sealNow(db)).toMatchObject({ status: 'sealed', digests: [{ seq: 1, entries: count }] });
  return { db, projectId, ids };
}

async function cli(projectId: string, ...extra: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runAuditVerify(['--project', projectId, ...extra], (l) => lines.push(l), (l) => lines.push(l));
  return { code, lines };
}

describe('admin_audit seal and verify on Firestore (A3)', () => {
  it('verifies a clean trail, and audit:verify exits 0 with a one-line summary', async () => {
    const { db, projectId } = await sealedTrail('clean');
    expect(await verifyAuditTrail(db)).toMatchObject({ ok: true, digests: 1, entries: 12, sealed: 12, pending: 0, problems: [] });
    const { code, lines } = await cli(projectId);
    expect(code).toBe(0);
    expect(lines).toEqual([expect.stringMatching(/^audit trail intact: 12 entries, 12 sealed in 1 digests, 0 pending; head 1:[0-9a-f]{64}/)]);
  });

  it('reports an entry edited after sealing, and audit:verify exits 1 naming it', async () => {
    const { db, projectId, ids } = await sealedTrail('changed');
    await db.doc(`admin_audit/${ids[3]}`).update({ 'meta.reason': 'nothing to see here' });
    expect((await verifyAuditTrail(db)).problems).toEqual([{ kind: 'entry_changed', entryId: ids[3], seq: 1 }]);
    const { code, lines } = await cli(projectId);
    expect(code).toBe(1);
    expect(lines[0]).toBe(`PROBLEM entry ${ids[3]} was changed after digest 1 sealed it`);
  });

  it('reports an entry whose Timestamp was replaced by a look-alike map', async () => {
    const { db, ids } = await sealedTrail('lookalike');
    const createdAt = (await db.doc(`admin_audit/${ids[0]}`).get()).get('createdAt') as Timestamp;
    await db.doc(`admin_audit/${ids[0]}`).update({ createdAt: { $timestamp: `${createdAt.seconds}.${String(createdAt.nanoseconds).padStart(9, '0')}` } });
    expect((await verifyAuditTrail(db)).problems).toEqual([{ kind: 'entry_changed', entryId: ids[0], seq: 1 }]);
  });

  it('reports an entry deleted after sealing', async () => {
    const { db, ids } = await sealedTrail('deleted');
    await db.doc(`admin_audit/${ids[5]}`).delete();
    expect(await verifyAuditTrail(db)).toMatchObject({ ok: false, problems: [{ kind: 'entry_deleted', entryId: ids[5], seq: 1 }] });
  });

  it('reports an entry inserted into the sealed range, and one without a createdAt', async () => {
    const { db } = await sealedTrail('inserted');
    const forged = { ...entry(99), idempotencyKey: 'forged', createdAt: Timestamp.fromMillis(Date.now() - 1000) };
    await db.doc('admin_audit/forged').set(forged);
    await db.doc('admin_audit/no-time').set({ ...entry(98), idempotencyKey: 'forged-2' });
    expect((await verifyAuditTrail(db)).problems).toEqual(
      expect.arrayContaining([
        { kind: 'entry_inserted', entryId: 'forged', createdAt: expect.any(String) },
        { kind: 'entry_malformed', entryId: 'no-time', detail: expect.any(String) },
      ]),
    );
  });

  it('reports a digest edited to hide an entry', async () => {
    const { db, ids } = await sealedTrail('digest');
    const digest = db.doc('admin_audit_digests/0000000001');
    const entries = (await digest.get()).get('entries') as { id: string; hash: string }[];
    await digest.update({ entries: entries.filter((e) => e.id !== ids[2]), count: entries.length - 1 });
    await db.doc(`admin_audit/${ids[2]}`).delete();
    expect((await verifyAuditTrail(db)).problems).toEqual([{ kind: 'digest_changed', seq: 1 }]);
  });

  it('leaves entries newer than the lag pending, then seals them into the next link of the chain', async () => {
    const { db, projectId } = await sealedTrail('chain', 3);
    const log = createFirestoreAuditLog(db);
    await log.append(entry(50), 'event-50');
    expect(await sealAuditTrail(db, Date.now())).toEqual({ status: 'nothing_to_seal' });
    expect(await verifyAuditTrail(db)).toMatchObject({ ok: true, sealed: 3, pending: 1 });
    expect(await sealNow(db)).toMatchObject({ status: 'sealed', digests: [{ seq: 2, entries: 1 }] });
    const report = await verifyAuditTrail(db);
    expect(report).toMatchObject({ ok: true, digests: 2, sealed: 4, pending: 0 });
    expect((await cli(projectId, '--expect-head', `2:${report.head!.hash}`)).code).toBe(0);
    expect((await cli(projectId, '--expect-head', `3:${report.head!.hash}`)).code).toBe(1);
  });

  it('lets only one of five concurrent sealers write the digest', async () => {
    const { db, close } = testFirestore('race');
    opened.push(close);
    const log = createFirestoreAuditLog(db);
    for (let i = 0; i < 5; i++) await log.append(entry(i), `race-${i}`);
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => sealNow(db)));
    expect(outcomes.filter((o) => o.status === 'sealed')).toHaveLength(1);
    expect((await db.collection('admin_audit_digests').get()).size).toBe(1);
    expect(await verifyAuditTrail(db)).toMatchObject({ ok: true, sealed: 5 });
  });

  it('answers a usage error with exit code 2', async () => {
    expect((await cli('x', '--bogus')).code).toBe(2);
  });
});

describe('burst of parallel appends (A1)', () => {
  it('stores every accepted entry exactly once, and the sealed chain verifies', async () => {
    const { db, close } = testFirestore('burst');
    opened.push(close);
    const log = createFirestoreAuditLog(db);
    // 8 writers, 25 appends each; a quarter of the keys are repeats (retried functions).
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, w) =>
        Promise.all(Array.from({ length: 25 }, (_, i) => log.append(entry(w * 25 + i), i % 4 === 0 ? `shared-${i}` : `w${w}-${i}`))),
      ),
    );
    const accepted = results.flat().filter((r) => r.created).length;
    expect(accepted).toBe(8 * 18 + 7);
    expect((await db.collection('admin_audit').get()).size).toBe(accepted);
    await sealNow(db);
    expect(await verifyAuditTrail(db)).toMatchObject({ ok: true, entries: accepted, sealed: accepted, pending: 0 });
  });
});
