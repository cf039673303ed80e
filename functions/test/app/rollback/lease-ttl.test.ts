import { DEFAULT_ROLLBACK_SETTINGS, ROLLBACK_LEASE_MARGIN, realSleep, rollbackLeaseMs, type RollbackDeps } from '../../../src/app/rollback/deps';
import { handleRollback } from '../../../src/app/rollback/handle';
import { LONGEST_STEP_CALLS, PLATFORM_CALL_TIMEOUT_MS, PlatformError, type ActionOutcome, type RollbackStep } from '../../../src/ports/platform';
import { officialEmulator } from '../../support/firestore';
import { rollbackHarness, type RollbackHarness } from './harness';

/** C4 (reliability matrix): the rollback lease outlives the longest run of its steps, with margin. */
describe('rollback lease time-to-live (C4)', () => {
  // The longest a run can act: it starts no call after its deadline, but a step begun just before
  // it (Play: four calls in sequence) may run every call to its timeout.
  const longestRun = (deadline: number) => deadline + LONGEST_STEP_CALLS * PLATFORM_CALL_TIMEOUT_MS;

  it('outlives the longest run of the steps by a margin of at least a quarter, so a slow Play step never sees a second attempt', () => {
    const { leaseMs, runDeadlineMs } = DEFAULT_ROLLBACK_SETTINGS;
    expect(ROLLBACK_LEASE_MARGIN).toBeGreaterThanOrEqual(1.25);
    expect(leaseMs).toBeGreaterThanOrEqual(longestRun(runDeadlineMs) * 1.25);
    // The reconciler's function timeout (300 s) ends a run before its lease does.
    expect(leaseMs).toBeGreaterThan(300_000);
  });

  it('is derived from the run deadline, so shrinking or growing the deadline keeps the margin', () => {
    for (const deadline of [1_000, 60_000, 120_000, 600_000]) {
      expect(rollbackLeaseMs(deadline)).toBe(Math.ceil(longestRun(deadline) * ROLLBACK_LEASE_MARGIN));
      expect(rollbackLeaseMs(deadline)).toBeGreaterThan(longestRun(deadline));
    }
  });
});

/**
 * C4 on the official emulator, at a scale a test can wait for (calls of 300 ms, a run deadline of
 * 800 ms; the production figures are 30 s and 120 s): a rollback run that makes the longest run of
 * its steps (a try begun just before the deadline making LONGEST_STEP_CALLS calls to their timeout)
 * keeps its lease on the store's clock throughout, so a caller (here with a clock 6 minutes ahead)
 * polling for the lease never becomes a second holder while the first still acts; and the run
 * starts no try after its deadline, so a retry told "now" (Retry-After: 0) cannot stretch it.
 */
const onEmulator = officialEmulator ? describe : describe.skip;
const suffix = officialEmulator ? '' : ' (skipped: needs the official Firestore emulator, which judges leases on its own clock)';

onEmulator(`rollback lease time-to-live over the longest run of the steps, on the emulator (C4)${suffix}`, () => {
  const CALL_MS = 300;
  const DEADLINE_MS = 800;
  const LEASE_MS = rollbackLeaseMs(DEADLINE_MS, CALL_MS);
  let h: RollbackHarness;
  beforeEach(async () => {
    h = await rollbackHarness('rb-ttl');
  });
  afterEach(async () => h.close());

  it('no second holder while the first run makes its longest step run, and no try starts after the deadline', async () => {
    const c = await h.seed('mobile');
    await h.request(c.id, 'manual');
    const tries: { start: number; end: number }[] = [];
    let started = 0;
    const step: RollbackStep = {
      name: 'play_halt',
      describe: () => 'halt',
      readiness: async () => [],
      async execute(): Promise<ActionOutcome> {
        const t = { start: Date.now() - started, end: 0 };
        tries.push(t);
        // Try 1 fails fast just before the deadline; try 2 is the longest: every call to its timeout.
        await realSleep(tries.length === 1 ? DEADLINE_MS - 250 : LONGEST_STEP_CALLS * CALL_MS);
        t.end = Date.now() - started;
        throw new PlatformError('play', 'timeout', true, 503, Date.now());
      },
    };
    const clock = { now: () => Date.now() };
    const deps: RollbackDeps = {
      ...h.deps,
      clock,
      sleep: realSleep,
      actuators: { rollbackSteps: () => [step] },
      settings: { ...h.deps.settings, runDeadlineMs: DEADLINE_MS, leaseMs: LEASE_MS, triesPerRun: 5, maxTries: 10 },
    };

    let acting = true;
    const secondHolders: number[] = [];
    let polls = 0;
    const key = { canaryId: c.id, generation: 1 };
    const poller = (async () => {
      while (acting) {
        await realSleep(50);
        if (!acting) break;
        polls += 1;
        const got = await h.ledger.acquire(key, 'poller', Date.now() + 6 * 60_000, LEASE_MS);
        if (got.ok && acting) secondHolders.push(got.attempt.attempt);
      }
    })();
    started = Date.now();
    const outcome = await handleRollback(deps, c.id, 'first');
    const ran = Date.now() - started;
    acting = false;
    await poller;

    expect(secondHolders).toEqual([]);
    expect(polls).toBeGreaterThan(5);
    // The longest run happened: try 2 began before the deadline (counted from the steps' start) and
    // ran its calls out past it, and the whole run (claim and plan included) fitted in the lease.
    expect(tries).toHaveLength(2);
    expect(tries[1].start - tries[0].start).toBeLessThan(DEADLINE_MS);
    expect(tries[1].end - tries[0].start).toBeGreaterThan(DEADLINE_MS + (LONGEST_STEP_CALLS - 1) * CALL_MS);
    expect(ran).toBeGreaterThan(DEADLINE_MS + (LONGEST_STEP_CALLS - 1) * CALL_MS);
    // Try 2 failed past the deadline with Retry-After 0: no third try in this run; the step waits for the next.
    expect(outcome).toBe('pending');
    expect((await h.ledger.getSteps(key)).play_halt).toMatchObject({ status: 'waiting', tries: 2, attempt: 1 });
  }, 30_000);
});
