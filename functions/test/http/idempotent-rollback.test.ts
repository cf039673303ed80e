import { createFirestoreIdempotencyStore } from '../../src/adapters/firestore';
import { handleRollback } from '../../src/app/rollback/handle';
import { reconcileRollbacks } from '../../src/app/rollback/reconcile';
import { createApp } from '../../src/http/app';
import { CanaryConflict, type IdempotencyStore } from '../../src/ports';
import { officialEmulator } from '../support/firestore';
import { rollbackHarness, type RollbackHarness } from '../app/rollback/harness';
import { call, listen } from './harness';

/**
 * Issue 10 §3, the known gap: an Idempotency-Key claim left in flight past the stale time is taken
 * over by the next request with the key. For POST /rollback a re-run is not harmless (once the first
 * rollback failed, it starts a second one), so the key is completed in the request's own unit: a
 * request whose change landed is replayed, and a run whose claim was taken over writes nothing.
 * The rollback of one generation is exactly-once through the ledger (attempts, plan, steps).
 */
const onEmulator = officialEmulator ? describe : describe.skip;
const suffix = officialEmulator ? '' : ' (skipped: needs the official Firestore emulator, which isolates transactions)';

const STALE_MS = 300;

/**
 * The Firestore IdempotencyStore of an instance that dies right after its request's change landed:
 * storing the answer (or releasing the key) never happens.
 */
function dyingAfterTheChange(store: IdempotencyStore): IdempotencyStore {
  return {
    begin: (key, fingerprint, info) => store.begin(key, fingerprint, info),
    complete: () => Promise.reject(new Error('instance stopped before the answer was stored')),
    release: () => Promise.reject(new Error('instance stopped before the key was released')),
  };
}

onEmulator(`POST /rollback with an Idempotency-Key taken over after the stale time${suffix}`, () => {
  let r: RollbackHarness;
  let api: { url: string; close: () => Promise<void> } | undefined;
  beforeEach(async () => {
    r = await rollbackHarness('idem-rollback');
    r.seedPlatforms();
  });
  afterEach(async () => {
    await api?.close();
    api = undefined;
    await r.close();
  });

  async function start(idempotency: IdempotencyStore): Promise<string> {
    api = await listen(createApp({ canaries: r.canaries, audit: r.audit, clock: r.clock, idempotency, authenticate: async () => ({ ok: true, caller: { actor: 'ops-key', kind: 'api_key' } }), log: () => undefined }));
    return api.url;
  }
  const rollback = (url: string, version: string, key: string) =>
    call(url, 'POST', '/rollback', { token: 'k', body: { version, platform: 'desktop', reason: 'Critical bug in auth flow' }, headers: { 'content-type': 'application/json', 'idempotency-key': key } });

  it('replays the first answer after its instance died, even once the rollback failed: no second rollback, one dispatch', async () => {
    const c = await r.seed('desktop');
    const firestoreKeys = createFirestoreIdempotencyStore(r.db, { staleAfterMs: STALE_MS });
    const url = await start(dyingAfterTheChange(firestoreKeys));
    const first = await rollback(url, c.release, 'rb-1');
    expect(first.status).toBe(202);
    expect(first.json).toEqual({ canaryId: c.id, status: 'requested', generation: 1, severity: 'normal' });

    // The rollback runs and fails for good (GitHub refuses the dispatch): the canary waits for a human.
    r.github.server.on('POST', '/repos/acme/app/dispatches', { status: 422, body: { message: 'fake 422' } });
    expect(await handleRollback(r.deps, c.id, 'event:1')).toBe('rollback_failed');

    // The client retries after the stale time, on a healthy instance.
    await new Promise((done) => setTimeout(done, STALE_MS * 2));
    await api!.close();
    const healthy = await start(firestoreKeys);
    const again = await rollback(healthy, c.release, 'rb-1');
    expect(again.status).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json).toEqual(first.json);

    const stored = await r.canaryOf(c.id);
    expect(stored.status).toBe('rollback_failed');
    expect(stored.rollbackRequest?.generation).toBe(1);
    expect(await r.audit.list({ action: 'rollback_requested' })).toHaveLength(1);
    await reconcileRollbacks(r.deps, 'reconciler');
    expect(r.github.dispatches()).toHaveLength(1);
  });

  it('a run whose claim was taken over writes nothing: its change is refused whole (claim_lost)', async () => {
    const c = await r.seed('desktop');
    const keys = createFirestoreIdempotencyStore(r.db, { staleAfterMs: STALE_MS });
    const slow = await keys.begin('ops-key\nrb-2', 'fp', { actor: 'ops-key', route: 'POST /rollback' });
    if (slow.kind !== 'run') throw new Error(`expected to run, got ${slow.kind}`);
    await new Promise((done) => setTimeout(done, STALE_MS * 2));
    const taker = await keys.begin('ops-key\nrb-2', 'fp', { actor: 'ops-key', route: 'POST /rollback' });
    expect(taker).toMatchObject({ kind: 'run', tookOver: true });

    const answer = { status: 202, body: '{}', headers: {} };
    const late = r.canaries.update(c.id, { status: 'rollback_requested' }, { completes: { key: 'ops-key\nrb-2', claim: slow.claim, answer }, audit: [{ entry: { ts: 1, action: 'rollback_requested', actorUid: 'ops-key', targetId: c.release, meta: {} }, idempotencyKey: 'late-run' }] });
    await expect(late).rejects.toBeInstanceOf(CanaryConflict);
    await expect(late).rejects.toMatchObject({ reason: 'claim_lost' });
    expect((await r.canaryOf(c.id)).status).toBe('running');
    expect(await r.audit.list({ action: 'rollback_requested' })).toHaveLength(0);

    // The one that took over completes the key with its change; a retry is then answered from it.
    if (taker.kind !== 'run') throw new Error('unreachable');
    await r.canaries.update(c.id, { status: 'rollback_requested' }, { completes: { key: 'ops-key\nrb-2', claim: taker.claim, answer } });
    expect(await keys.begin('ops-key\nrb-2', 'fp', { actor: 'ops-key', route: 'POST /rollback' })).toEqual({ kind: 'replay', answer });
  });

  it('two requests racing on one key: one runs, the other is told it is in flight, and one rollback is requested', async () => {
    const c = await r.seed('desktop');
    const url = await start(createFirestoreIdempotencyStore(r.db));
    const replies = await Promise.all([rollback(url, c.release, 'rb-3'), rollback(url, c.release, 'rb-3')]);
    const statuses = replies.map((x) => x.status).sort();
    // 409 while the first runs, or the first answer replayed when it was already done.
    expect(statuses[0]).toBe(202);
    expect([202, 409]).toContain(statuses[1]);
    expect((await r.canaryOf(c.id)).rollbackRequest?.generation).toBe(1);
    expect(await r.audit.list({ action: 'rollback_requested' })).toHaveLength(1);
  });
});
