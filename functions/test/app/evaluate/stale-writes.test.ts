import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFirestoreLease } from '../../../src/adapters/firestore/lease';
import { evaluateAll, type EvaluateDeps } from '../../../src/app/evaluate';
import { updateGates } from '../../../src/app/canaries/gates';
import { handleRollback } from '../../../src/app/rollback/handle';
import { requestRollback } from '../../../src/app/rollback/request';
import type { Canary } from '../../../src/core/canary';
import { createApp } from '../../../src/http/app';
import type { CanaryMetrics, MetricsSource } from '../../../src/ports';
import { officialEmulator } from '../../support/firestore';
import { rollbackHarness, type RollbackHarness } from '../rollback/harness';
import { harness } from './harness';

/**
 * C1 / C2 (reliability matrix): a tick reads every canary, waits for Monitoring, then writes. What
 * another writer did in between (a rollback, a request, a gate) must survive the tick's write.
 * Only the official emulator isolates transactions, so these run there (`npm test` starts it).
 */
const onEmulator = officialEmulator ? describe : describe.skip;
const suffix = officialEmulator ? '' : ' (skipped: needs the official Firestore emulator, which isolates transactions)';

const HOUR = 3_600_000;

/** A metrics source that runs `meanwhile` while the tick waits for it, then answers "misconfigured" (the tick pauses). */
class WaitingMetrics implements MetricsSource {
  constructor(private readonly meanwhile: () => Promise<void>) {}
  async fetch(canaries: Canary[]): Promise<Map<string, CanaryMetrics>> {
    await this.meanwhile();
    return new Map(canaries.map((c) => [c.id, { ok: false, error: 'Monitoring 403: permission denied', retryable: false }]));
  }
}

onEmulator(`stale writes of the evaluation tick (C1, C2)${suffix}`, () => {
  let r: RollbackHarness;
  beforeEach(async () => {
    r = await rollbackHarness('stale');
    r.seedPlatforms();
  });
  afterEach(() => r.close());

  function tickDeps(meanwhile: () => Promise<void>): EvaluateDeps {
    const h = harness({ canaries: r.canaries, audit: r.audit, lease: createFirestoreLease(r.db), now: r.clock.now() });
    return { ...h.deps, metrics: new WaitingMetrics(meanwhile) };
  }
  const tickAt = () => new Date(r.clock.now()).toISOString();

  it('a rollback that completes while a tick waits for Monitoring is not undone by the tick (C1)', async () => {
    const c = await r.seed('desktop', { createdAt: r.clock.now() - 2 * HOUR });
    const deps = tickDeps(async () => {
      await r.request(c.id);
      expect(await handleRollback(r.deps, c.id, 'event:1')).toBe('rolled_back');
    });
    const report = await evaluateAll(deps, tickAt());
    const stored = await r.canaryOf(c.id);
    expect(stored.status).toBe('rolled_back');
    expect(stored.rollout.frozen).toBe(true);
    const outcome = report.outcomes.find((o) => o.id === c.id);
    expect(outcome).toMatchObject({ status: 'superseded', why: expect.stringMatching(/rolled_back|changed/) });
    // The decision record says the tick was given up, and why.
    const [record] = await r.canaries.listEvaluations(c.id, 5);
    expect(record?.superseded).toEqual(expect.stringMatching(/changed|rolled_back/));
    expect(r.github.dispatches()).toHaveLength(1);
  });

  it('a manual POST /rollback answered 202 while a tick waits is not lost: the dispatch is sent (C1)', async () => {
    const c = await r.seed('desktop', { createdAt: r.clock.now() - 2 * HOUR });
    const app = createApp({
      canaries: r.canaries,
      audit: r.audit,
      clock: r.clock,
      authenticate: async () => ({ ok: true, caller: { actor: 'ops-key', kind: 'api_key' } }),
    });
    const server: Server = app.listen(0, '127.0.0.1');
    await new Promise((done) => server.once('listening', done));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rollback`;
      let answered = 0;
      const deps = tickDeps(async () => {
        const res = await fetch(url, {
          method: 'POST',
          headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
          body: JSON.stringify({ version: c.release, platform: 'desktop', channel: 'stable', reason: 'Critical bug in auth flow' }),
        });
        answered = res.status;
      });
      const report = await evaluateAll(deps, tickAt());
      expect(answered).toBe(202);
      expect(report.outcomes.find((o) => o.id === c.id)).toMatchObject({ status: 'superseded' });
      expect((await r.canaryOf(c.id)).status).toBe('rollback_requested');
    } finally {
      await new Promise((done) => server.close(done));
    }
    // The trigger then finds the request and acts on it.
    expect(await handleRollback(r.deps, c.id, 'event:2')).toBe('rolled_back');
    expect(r.github.dispatches()).toHaveLength(1);
  });

  it('two writers interleaving (tick, gates, rollback request) end in a state some serial order gives (C2)', async () => {
    // Each other writer lands at one of the tick's points: before its read, between read and write, after.
    const points = ['before', 'during', 'after'] as const;
    for (const gatesAt of points) {
      for (const rollbackAt of points) {
        const c = await r.seed('web', { release: `v9.${gatesAt}.${rollbackAt}`, channel: 'alpha', createdAt: r.clock.now() - 2 * HOUR });
        const gates = () => updateGates({ canaries: r.canaries, audit: r.audit, clock: r.clock, bugLabels: [] }, c.id, { loadTestPassed: true }, 'ci', `gates:${c.id}`);
        const rollback = () => requestRollback({ canaries: r.canaries, audit: r.audit, clock: r.clock }, { canaryId: c.id, reason: 'by hand', trigger: 'manual', requestedBy: 'ops' });
        const at = async (point: (typeof points)[number]) => {
          if (gatesAt === point) expect(await gates()).toMatchObject({ status: 'updated' });
          if (rollbackAt === point) expect(await rollback()).toMatchObject({ status: 'requested' });
        };
        await at('before');
        let waited = false;
        const report = await evaluateAll(tickDeps(() => ((waited = true), at('during'))), tickAt());
        // A tick with nothing to judge (the rollback came first) reads no metrics: "during" is then "after".
        if (!waited) await at('during');
        await at('after');
        const stored = await r.canaryOf(c.id);
        const label = `gates ${gatesAt}, rollback ${rollbackAt}`;
        // Every writer's effect is there: nothing was lost to an interleaving.
        expect({ label, gate: stored.gates.loadTestPassed, status: stored.status }).toEqual({ label, gate: true, status: 'rollback_requested' });
        const outcome = report.outcomes.find((o) => o.id === c.id) ?? { status: 'none' };
        // The tick either applied to the version it read (nobody wrote in between) or was given up.
        const overtaken = waited && (gatesAt === 'during' || rollbackAt === 'during');
        expect({ label, outcome: outcome.status }).toEqual({ label, outcome: rollbackAt === 'before' ? 'none' : overtaken ? 'superseded' : 'decided' });
        if (!overtaken && rollbackAt !== 'before') expect(stored.pauseReason ?? stored.rollout.pauseReasons?.join()).toMatch(/misconfigured/i);
      }
    }
  }, 120_000);
});
