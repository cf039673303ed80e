import { createFirestoreAuditLog, createFirestoreCanaryStore } from '../../../src/adapters/firestore';
import { createFirestoreLease } from '../../../src/adapters/firestore/lease';
import { fencedAuditLog } from '../../../src/app/audit/fenced-audit-log';
import { evaluateAll, type EvaluateDeps, type TickReport } from '../../../src/app/evaluate';
import { FencedOut } from '../../../src/ports/lease';
import type { Canary } from '../../../src/core/canary';
import type { CanaryMetrics, MetricsSource } from '../../../src/ports';
import { officialEmulator, testFirestore } from '../../support/firestore';
import { canaryFixture } from './canary-fixture';
import { harness } from './harness';

/**
 * C3 (reliability matrix): the evaluation lease is fenced. Expiry is judged on the store's clock,
 * so an instance whose clock runs ahead cannot make a second holder, and a run whose term was
 * taken over cannot write. Needs the official emulator (transactions isolated; `npm test` starts it).
 */
const onEmulator = officialEmulator ? describe : describe.skip;
const suffix = officialEmulator ? '' : ' (skipped: needs the official Firestore emulator, which isolates transactions)';

const T = Date.parse('2026-01-07T12:00:30Z');
const SIX_MINUTES = 6 * 60_000;

class WaitingMetrics implements MetricsSource {
  constructor(private readonly meanwhile: () => Promise<void>) {}
  async fetch(canaries: Canary[]): Promise<Map<string, CanaryMetrics>> {
    await this.meanwhile();
    return new Map(canaries.map((c) => [c.id, { ok: false, error: 'Monitoring 403: permission denied', retryable: false }]));
  }
}

onEmulator(`fenced evaluation lease (C3)${suffix}`, () => {
  const fs = testFirestore('fencing');
  afterAll(() => fs.close());

  function run(now: number, meanwhile?: () => Promise<void>, leaseTtlMs?: number): EvaluateDeps {
    const h = harness({ canaries: createFirestoreCanaryStore(fs.db), audit: createFirestoreAuditLog(fs.db), lease: createFirestoreLease(fs.db), now });
    return {
      ...h.deps,
      ...(meanwhile ? { metrics: new WaitingMetrics(meanwhile) } : {}),
      settings: { ...h.deps.settings, ...(leaseTtlMs ? { leaseTtlMs } : {}) },
    };
  }

  it('an instance whose clock runs 6 minutes ahead cannot take the lease another run holds: one holder', async () => {
    await createFirestoreCanaryStore(fs.db).createIfAbsent(canaryFixture({ id: 'web__ahead__alpha' }));
    let ahead: TickReport | undefined;
    const first = await evaluateAll(
      run(T, async () => {
        ahead = await evaluateAll(run(T + SIX_MINUTES), new Date(T + SIX_MINUTES).toISOString());
      }),
      new Date(T).toISOString(),
    );
    expect(first.skipped).toBeUndefined();
    expect(ahead?.skipped).toMatchObject({ reason: 'lease_held' });
    expect(ahead?.outcomes).toEqual([]);
  });

  it('a run whose lease term was taken over cannot write: its tick is given up and the newer run\'s state stands', async () => {
    const store = createFirestoreCanaryStore(fs.db);
    await store.createIfAbsent(canaryFixture({ id: 'web__fenced__alpha' }));
    let second: TickReport | undefined;
    const first = await evaluateAll(
      run(
        T + 60_000,
        async () => {
          // The first run stalls past its term (1.5 s on the store's clock); a newer run takes over and decides.
          await new Promise((r) => setTimeout(r, 1_700));
          second = await evaluateAll(run(T + 120_000), new Date(T + 120_000).toISOString());
        },
        1_500,
      ),
      new Date(T + 60_000).toISOString(),
    );
    expect(second?.skipped).toBeUndefined();
    expect(second?.outcomes.find((o) => o.id === 'web__fenced__alpha')).toMatchObject({ status: 'decided' });
    expect(first.outcomes.find((o) => o.id === 'web__fenced__alpha')).toMatchObject({ status: 'superseded', why: expect.stringMatching(/^fenced/) });
    const read = await store.get('web__fenced__alpha');
    // The stored evaluation is the newer run's, and the canary was not paused by the fenced-out one.
    expect(read).toMatchObject({ ok: true, canary: { status: 'running', lastEvaluation: { verdict: 'green' } } });
  }, 30_000);

  it('a tick whose evaluation term was taken over appends no audit entry; the newer term appends it', async () => {
    const lease = createFirestoreLease(fs.db);
    const audit = createFirestoreAuditLog(fs.db);
    const first = await lease.acquire('evaluate-audit', 'run-1', 1_000, T);
    if (!first.acquired) throw new Error('term 1 not taken');
    // Term 1 runs out on the store's clock and another run takes term 2.
    await new Promise((r) => setTimeout(r, 1_300));
    const second = await lease.acquire('evaluate-audit', 'run-2', 60_000, T + 2_000);
    if (!second.acquired) throw new Error('term 2 not taken');
    const entry = { ts: T, action: 'canary_pause', actorUid: 'system', targetId: 'v9.9.9', meta: { tick: 'stale' } };

    await expect(fencedAuditLog(audit, first.fence).append(entry, 'canary_pause:fenced-tick')).rejects.toBeInstanceOf(FencedOut);
    expect(await audit.list({ action: 'canary_pause', targetId: 'v9.9.9' })).toHaveLength(0);

    expect(await fencedAuditLog(audit, second.fence).append(entry, 'canary_pause:fenced-tick')).toMatchObject({ created: true });
    expect(await audit.list({ action: 'canary_pause', targetId: 'v9.9.9' })).toHaveLength(1);
  }, 30_000);
});
