import fft from 'firebase-functions-test';
import type { DocumentSnapshot } from 'firebase-admin/firestore';
import { makeCanaryTrigger } from '../../src/functions/canary-trigger';
import { reconcileRollbacks } from '../../src/app/rollback/reconcile';
import type { RollbackLedger } from '../../src/ports';
import { LIVE, PKG, rollbackHarness, type RollbackHarness } from '../app/rollback/harness';

const t = fft();
let h: RollbackHarness;

beforeEach(async () => {
  h = await rollbackHarness('trigger');
  h.seedPlatforms();
});
afterEach(async () => h.close());
afterAll(() => t.cleanup());

const wrapped = () => t.wrap(makeCanaryTrigger(async () => h.deps));

/** The event of a write, built from a real snapshot read from the test server (now or earlier). */
async function snapshot(id: string): Promise<DocumentSnapshot> {
  return h.db.doc(`canaries/${id}`).get();
}
function deliver(id: string, after: DocumentSnapshot, eventId: string): Promise<unknown> {
  const before = t.firestore.makeDocumentSnapshot({}, `canaries/${id}`);
  return wrapped()({ data: t.makeChange(before, after), params: { canaryId: id }, id: eventId }) as Promise<unknown>;
}
const status = async (id: string) => (await h.canaries.get(id).then((r) => (r?.ok ? r.canary : undefined)))!;
const audits = async (action: string) => h.audit.list({ action, limit: 100 });

/** A ledger whose writes can be made to fail, and whose release can be lost (a crashed process). */
function faultyLedger(inner: RollbackLedger, fault: { putStep?: (step: string, status: string) => boolean; createPlan?: boolean; crash?: boolean }): RollbackLedger {
  return {
    ...inner,
    async putStep(key, step, record) {
      if (fault.putStep?.(step, record.status)) throw new Error('store unavailable');
      return inner.putStep(key, step, record);
    },
    async createPlan(key, plan) {
      if (fault.createPlan) throw new Error('store unavailable');
      return inner.createPlan(key, plan);
    },
    async release(key, attempt, now) {
      if (fault.crash) return;
      return inner.release(key, attempt, now);
    },
  };
}

describe('canary rollback trigger (firebase-functions-test, Firestore test server, fake platforms)', () => {
  test('rolls back each platform once when the same event is delivered three times in sequence (R1)', async () => {
    for (const p of ['web', 'desktop', 'mobile'] as const) await h.seed(p);
    for (const p of ['web', 'desktop', 'mobile'] as const) {
      const id = `${p}__v28R.1__stable`;
      await h.request(id);
      const snap = await snapshot(id);
      for (let i = 0; i < 3; i++) await deliver(id, snap, `evt-${p}`);
      expect((await status(id)).status).toBe('rolled_back');
    }
    expect(h.github.dispatches()).toHaveLength(3);
    expect(h.github.edits()).toHaveLength(2);
    expect(h.hosting.creates()).toHaveLength(1);
    expect(h.hosting.current(LIVE)).toBe('sites/acme/versions/v0');
    expect(h.play.commits()).toHaveLength(1);
    expect(h.play.tracks.get(`${PKG}/production`)![0]).toMatchObject({ status: 'halted', versionCodes: ['281'], userFraction: 0.1 });
    expect(await audits('auto_rollback')).toHaveLength(3);
    expect(await audits('rollback_completed')).toHaveLength(3);
  });

  test('rolls back once when the same event is delivered three times concurrently (R1)', async () => {
    const c = await h.seed('desktop');
    await h.request(c.id);
    const snap = await snapshot(c.id);
    await Promise.all([1, 2, 3].map(() => deliver(c.id, snap, 'evt-1')));
    // The losers exited while the winner held the lease; a later redelivery finds the work done.
    await deliver(c.id, snap, 'evt-1');
    expect((await status(c.id)).status).toBe('rolled_back');
    expect(h.github.dispatches()).toHaveLength(1);
    expect(h.github.edits()).toHaveLength(2);
    expect(await audits('auto_rollback')).toHaveLength(1);
  });

  test('deduplicates two different events for the same rollback on the rollback key, not the event id (R2)', async () => {
    const c = await h.seed('mobile');
    await h.request(c.id);
    const statusWrite = await snapshot(c.id);
    await h.db.doc(`canaries/${c.id}`).update({ 'gates.userFeedbackScore': 4 });
    const unrelated = await snapshot(c.id);
    await Promise.all([deliver(c.id, statusWrite, 'evt-status'), deliver(c.id, unrelated, 'evt-gates')]);
    await reconcileRollbacks(h.deps, 'reconciler');
    expect(h.github.dispatches()).toHaveLength(1);
    expect(h.play.commits()).toHaveLength(1);
    expect(h.play.server.calls('POST', /\/edits$/)).toHaveLength(1);
  });

  test('acts on the current document, not on an older event delivered after a newer one (R3)', async () => {
    const c = await h.seed('web');
    await h.request(c.id);
    const older = await snapshot(c.id);
    await deliver(c.id, await snapshot(c.id), 'evt-new');
    const before = h.platformRequests();
    await deliver(c.id, older, 'evt-old');
    expect(h.platformRequests()).toBe(before);
    expect(h.hosting.creates()).toHaveLength(1);
  });

  test('a redelivery hours late re-reads the current state and sends nothing (R5)', async () => {
    const c = await h.seed('desktop');
    await h.request(c.id);
    const snap = await snapshot(c.id);
    await deliver(c.id, snap, 'evt-1');
    h.clock.advance(6 * 3600_000);
    const before = h.platformRequests();
    await deliver(c.id, snap, 'evt-1');
    expect(h.platformRequests()).toBe(before);
    expect(await audits('auto_rollback')).toHaveLength(1);
  });

  test('quarantines a document with the wrong schema once, audits it and sends nothing (R6)', async () => {
    const id = 'web__v9__stable';
    await h.db.doc(`canaries/${id}`).set({ status: 'rollback_requested', platform: 42, release: ['x'] });
    await deliver(id, await snapshot(id), 'evt-console');
    const quarantined = await snapshot(id);
    expect(quarantined.get('status')).toBe('invalid');
    // The quarantine write is itself an event: it is ignored, so the function is not retried forever.
    await deliver(id, quarantined, 'evt-quarantine');
    expect(h.platformRequests()).toBe(0);
    expect(await audits('canary_quarantined')).toHaveLength(1);
  });

  test('after a crash between the dispatch and its record, the takeover resends the same rollback id and repeats nothing else (R4)', async () => {
    const c = await h.seed('desktop');
    await h.request(c.id);
    // The store judges the lease's expiry on its own clock: a short real lease, waited out below.
    const settings = h.deps.settings;
    h.deps.settings = { ...settings, leaseMs: 3_000 };
    const inner = h.deps.ledger;
    h.deps.ledger = faultyLedger(inner, { putStep: (step, s) => step === 'dispatch' && s === 'done', crash: true });
    await deliver(c.id, await snapshot(c.id), 'evt-1');
    expect(h.github.dispatches()).toHaveLength(1);
    h.deps.ledger = inner;
    // The dead holder's lease still runs: a redelivery now must not act.
    await deliver(c.id, await snapshot(c.id), 'evt-1');
    expect(h.github.dispatches()).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 3_100));
    h.clock.advance(h.deps.settings.leaseMs + 1);
    h.deps.settings = settings;
    await reconcileRollbacks(h.deps, 'reconciler');
    expect((await status(c.id)).status).toBe('rolled_back');
    const ids = new Set(h.github.dispatches().map((r) => (r.body as { client_payload: { rollback_id: string } }).client_payload.rollback_id));
    expect(ids).toEqual(new Set([`${c.id}:1`]));
    expect(h.github.edits()).toHaveLength(2);
  });

  test('writes nothing outside while the store cannot record the intent, and finishes once it can (A2)', async () => {
    const c = await h.seed('web');
    await h.request(c.id);
    const inner = h.deps.ledger;
    h.deps.ledger = faultyLedger(inner, { createPlan: true });
    await expect(deliver(c.id, await snapshot(c.id), 'evt-1')).rejects.toThrow('store unavailable');
    h.deps.ledger = faultyLedger(inner, { putStep: () => true });
    await deliver(c.id, await snapshot(c.id), 'evt-2');
    expect(h.platformRequests()).toBe(0);
    h.deps.ledger = inner;
    await reconcileRollbacks(h.deps, 'reconciler');
    expect((await status(c.id)).status).toBe('rolled_back');
    expect(h.hosting.creates()).toHaveLength(1);
  });
});
