import { handleRollback } from '../../../src/app/rollback/handle';
import type { RollbackDeps } from '../../../src/app/rollback/deps';
import { FencedOut } from '../../../src/ports/lease';
import type { ActionOutcome, RollbackActuators, RollbackStep, RollbackStepName } from '../../../src/ports/platform';
import type { RollbackKey, RollbackPlan } from '../../../src/ports/rollback-ledger';
import { officialEmulator } from '../../support/firestore';
import { FakeClock, rollbackHarness, type RollbackHarness } from './harness';

/**
 * C3 (reliability matrix) for the rollback lease: every write a rollback attempt makes (its plan,
 * step records, breaker slot, audit entries, canary writes) checks in the same transaction that
 * the attempt is still the current one. A holder whose attempt was taken over (its lease expired
 * on the store's clock and another caller took attempt n+1) writes nothing more and stops. Needs
 * the official emulator: the in-process server does not isolate transactions.
 */
const onEmulator = officialEmulator ? describe : describe.skip;
const suffix = officialEmulator ? '' : ' (skipped: needs the official Firestore emulator, which isolates transactions)';

const SIX_MINUTES = 6 * 60_000;
/** Short enough to expire during a test; expiry is judged on the emulator's clock (real time). */
const LEASE_MS = 2_500;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

const plan = (now: number): RollbackPlan => ({ rollbackTo: 'v28R.0', steps: ['dispatch'], trigger: 'auto-policy', reason: 'red', requestedBy: 'system', requestedAt: now, plannedAt: now });

onEmulator(`fenced rollback lease (C3)${suffix}`, () => {
  let h: RollbackHarness;
  beforeEach(async () => {
    h = await rollbackHarness('rb-fencing', { settings: { leaseMs: LEASE_MS } });
  });
  afterEach(async () => h.close());

  /** Takes attempt 1 for `a`, lets it expire on the store's clock, and has `b` take attempt 2. */
  async function takenOver(key: RollbackKey) {
    const first = await h.ledger.acquire(key, 'a', h.clock.now(), LEASE_MS);
    if (!first.ok) throw new Error('attempt 1 not taken');
    await wait(LEASE_MS + 300);
    // The new holder's lease is long: its own writes below must not race its expiry on a loaded machine.
    const second = await h.ledger.acquire(key, 'b', h.clock.now(), 60_000);
    if (!second.ok) throw new Error('attempt 2 not taken');
    return { stale: first.fence, current: second.fence };
  }

  it('refuses a step record, a plan, a breaker slot and an audit entry from a holder whose attempt was taken over, and takes them from the new holder', async () => {
    const key = { canaryId: 'desktop__v28R.1__stable', generation: 1 };
    const { stale, current } = await takenOver(key);
    const now = h.clock.now();
    const hour = '2026-11-26T14';

    await expect(h.ledger.putStep(key, 'dispatch', { status: 'started', tries: 1, attempt: 1, updatedAt: now }, stale)).rejects.toBeInstanceOf(FencedOut);
    await expect(h.ledger.createPlan(key, plan(now), stale)).rejects.toMatchObject({ name: 'FencedOut', why: expect.stringMatching(/term 1 was taken over by term 2/) });
    await expect(h.ledger.takeBreakerSlot(hour, 3, 'desktop:1', stale)).rejects.toBeInstanceOf(FencedOut);
    const entry = { ts: now, action: 'auto_rollback', actorUid: 'system', targetId: 'v28R.1', meta: {} };
    await expect(h.audit.append(entry, 'auto_rollback:desktop:1', { fence: stale })).rejects.toBeInstanceOf(FencedOut);

    // Nothing of the refused writes landed: no step, no plan, no slot (nor its hint), no entry.
    expect(await h.ledger.getSteps(key)).toEqual({});
    expect(await h.ledger.getPlan(key)).toBeNull();
    expect((await h.db.doc(`rollback_breaker/${hour}-0`).get()).exists).toBe(false);
    expect((await h.db.doc(`rollback_breaker/${hour}`).get()).exists).toBe(false);
    expect(await h.audit.list({ action: 'auto_rollback' })).toHaveLength(0);

    // The current holder writes each of them.
    await h.ledger.putStep(key, 'dispatch', { status: 'started', tries: 1, attempt: 2, updatedAt: now }, current);
    expect(await h.ledger.createPlan(key, plan(now), current)).toBe(true);
    expect(await h.ledger.createPlan(key, plan(now), current)).toBe(false);
    expect(await h.ledger.takeBreakerSlot(hour, 3, 'desktop:1', current)).toBe(`${hour}-0`);
    expect(await h.audit.append(entry, 'auto_rollback:desktop:1', { fence: current })).toMatchObject({ created: true });
    expect(await h.audit.append(entry, 'auto_rollback:desktop:1', { fence: current })).toMatchObject({ created: false });
    expect(await h.ledger.getSteps(key)).toEqual({ dispatch: expect.objectContaining({ attempt: 2 }) });
    expect((await h.db.doc(`rollback_breaker/${hour}`).get()).get('next')).toBe(1);
  }, 20_000);

  it('refuses the writes of a holder that ended its own attempt (released), so a late write cannot follow the release', async () => {
    const key = { canaryId: 'desktop__v28R.2__stable', generation: 1 };
    const first = await h.ledger.acquire(key, 'a', h.clock.now(), LEASE_MS);
    if (!first.ok) throw new Error('attempt 1 not taken');
    await h.ledger.release(key, 1, h.clock.now());
    await expect(h.ledger.putStep(key, 'dispatch', { status: 'done', tries: 1, attempt: 1, updatedAt: h.clock.now() }, first.fence)).rejects.toMatchObject({
      why: expect.stringMatching(/ended or expired/),
    });
    expect(await h.ledger.getSteps(key)).toEqual({});
  });

  it('a holder whose clock runs 6 minutes ahead cannot take a live attempt; once the attempt expires on the store\'s clock it takes over, and the stale holder then writes nothing and stops, saying why', async () => {
    const c = await h.seed('desktop');
    await h.request(c.id);
    const calls: { holder: string; step: RollbackStepName }[] = [];
    let unblock!: () => void;
    const blocked = new Promise<void>((r) => (unblock = r));
    let stalled!: () => void;
    const isStalled = new Promise<void>((r) => (stalled = r));

    /** Two scripted steps (the cohort share first, then the dispatch); `a`'s first one stalls until told. */
    const actuators = (holder: string): RollbackActuators => ({
      rollbackSteps: () =>
        (['cohort_share', 'dispatch'] as const).map(
          (name): RollbackStep => ({
            name,
            first: name === 'cohort_share',
            describe: () => name,
            readiness: async () => [],
            async execute(): Promise<ActionOutcome> {
              calls.push({ holder, step: name });
              if (holder === 'a' && name === 'cohort_share') {
                stalled();
                await blocked;
              }
              return { status: 'done', detail: `${name} by ${holder}` };
            },
          }),
        ),
    });
    const depsA: RollbackDeps = { ...h.deps, actuators: actuators('a') };
    const ahead = new FakeClock(h.clock.now() + SIX_MINUTES);
    const depsB: RollbackDeps = { ...h.deps, actuators: actuators('b'), clock: ahead, sleep: ahead.sleep, settings: { ...h.deps.settings, leaseMs: 60_000 } };

    const runA = handleRollback(depsA, c.id, 'a');
    await isStalled;
    // A's attempt is live on the store's clock: a clock 6 minutes ahead does not make it expired.
    expect(await handleRollback(depsB, c.id, 'b')).toBe('held_elsewhere');
    await wait(LEASE_MS + 300);
    expect(await handleRollback(depsB, c.id, 'b')).toBe('rolled_back');
    unblock();
    expect(await runA).toBe('fenced_out');

    // A made its one call (begun under its live attempt) and no other: its next step never started.
    expect(calls).toEqual([
      { holder: 'a', step: 'cohort_share' },
      { holder: 'b', step: 'cohort_share' },
      { holder: 'b', step: 'dispatch' },
    ]);
    const key = { canaryId: c.id, generation: 1 };
    const steps = await h.ledger.getSteps(key);
    expect(steps).toEqual({
      cohort_share: expect.objectContaining({ status: 'done', attempt: 2, detail: 'cohort_share by b' }),
      dispatch: expect.objectContaining({ status: 'done', attempt: 2, detail: 'dispatch by b' }),
    });
    // A's own record says it stopped and why.
    const attemptA = await h.db.doc(`canaries/${c.id}/rollbacks/1/attempts/0001`).get();
    expect(attemptA.get('stoppedBecause')).toMatch(/^fenced out: step cohort_share \(done\) refused: .*term 1 was taken over by term 2/);
    // One plan (A's, made under its live attempt), one breaker slot, one account of the rollback.
    expect(await h.ledger.getPlan(key)).toMatchObject({ breakerSlot: expect.any(String) });
    expect((await h.db.collection('rollback_breaker').where('owner', '==', `${c.id}:1`).get()).size).toBe(1);
    expect(await h.audit.list({ action: 'auto_rollback' })).toHaveLength(1);
    expect(await h.audit.list({ action: 'rollback_completed' })).toHaveLength(1);
    expect(await h.canaryOf(c.id)).toMatchObject({ status: 'rolled_back', rollback: { steps: { cohort_share: 'done', dispatch: 'done' } } });
  }, 30_000);
});
