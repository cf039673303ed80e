import { DEFAULT_ROLLBACK_SETTINGS, ROLLBACK_LEASE_MARGIN, rollbackLeaseMs } from '../../../src/app/rollback/deps';
import { LONGEST_STEP_CALLS, PLATFORM_CALL_TIMEOUT_MS } from '../../../src/ports/platform';

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
