import { handleRollback } from '../../../src/app/rollback/handle';
import { reconcileRollbacks } from '../../../src/app/rollback/reconcile';
import { LIVE, PKG, rollbackHarness, type RollbackHarness } from './harness';

let h: RollbackHarness;
beforeEach(async () => {
  h = await rollbackHarness('dispatch-faults', { settings: { runDeadlineMs: 30_000 } });
  h.seedPlatforms();
});
afterEach(async () => h.close());

const canaryOf = (id: string) => h.canaryOf(id);
const rollbackIds = () => h.github.dispatches().map((r) => (r.body as { client_payload: { rollback_id: string } }).client_payload.rollback_id);

describe('rollback dispatch faults', () => {
  test('retries a GitHub 5xx and sends the same rollback id again (D1)', async () => {
    const c = await h.seed('desktop');
    await h.request(c.id);
    let calls = 0;
    h.github.server.on('POST', '/repos/acme/app/dispatches', () => (++calls === 1 ? { status: 502, body: { message: 'Bad Gateway' } } : { status: 204 }));
    expect(await handleRollback(h.deps, c.id, 'test')).toBe('rolled_back');
    expect(rollbackIds()).toEqual([`${c.id}:1`, `${c.id}:1`]);
    const steps = await h.ledger.getSteps({ canaryId: c.id, generation: 1 });
    expect(steps.dispatch).toMatchObject({ status: 'done', tries: 2 });
  });

  test('waits as long as Retry-After says before trying GitHub again (D2)', async () => {
    const c = await h.seed('desktop');
    await h.request(c.id);
    let calls = 0;
    h.github.server.on('POST', '/repos/acme/app/dispatches', () =>
      ++calls === 1 ? { status: 429, headers: { 'retry-after': '7' }, body: { message: 'Too Many Requests' } } : { status: 204 },
    );
    const start = h.clock.now();
    expect(await handleRollback(h.deps, c.id, 'test')).toBe('rolled_back');
    expect(h.clock.sleeps).toContain(7000);
    expect(h.clock.now() - start).toBeGreaterThanOrEqual(7000);
    expect(h.github.dispatches()).toHaveLength(2);
  });

  test('a 429 without Retry-After waits 60 s; past the run deadline the reconciler takes over at the allowed time (D2)', async () => {
    const c = await h.seed('desktop');
    await h.request(c.id);
    const sentAt: number[] = [];
    h.github.server.on('POST', '/repos/acme/app/dispatches', () => {
      sentAt.push(h.clock.now());
      return sentAt.length === 1 ? { status: 403, body: { message: 'You have exceeded a secondary rate limit' } } : { status: 204 };
    });
    const start = h.clock.now();
    expect(await handleRollback(h.deps, c.id, 'test')).toBe('pending');
    const waiting = (await h.ledger.getSteps({ canaryId: c.id, generation: 1 })).dispatch!;
    expect(waiting).toMatchObject({ status: 'waiting', retryAt: start + 60_000 });
    expect((await canaryOf(c.id)).status).toBe('rolling_back');
    // 20 s later the wait does not fit this run's 30 s deadline either: nothing is sent.
    h.clock.advance(20_000);
    await reconcileRollbacks(h.deps, 'reconciler');
    expect(sentAt).toHaveLength(1);
    h.clock.advance(20_000);
    await reconcileRollbacks(h.deps, 'reconciler');
    expect(sentAt).toHaveLength(2);
    expect(sentAt[1]).toBeGreaterThanOrEqual(start + 60_000);
    expect((await canaryOf(c.id)).status).toBe('rolled_back');
  });

  test.each([401, 404, 422])('a GitHub %i is a permanent failure: one request, recorded, audited, no loop (D3)', async (code) => {
    const c = await h.seed('desktop');
    await h.request(c.id);
    h.github.server.on('POST', '/repos/acme/app/dispatches', { status: code, body: { message: `fake ${code}` } });
    expect(await handleRollback(h.deps, c.id, 'test')).toBe('rollback_failed');
    await reconcileRollbacks(h.deps, 'reconciler');
    expect(h.github.dispatches()).toHaveLength(1);
    const canary = await canaryOf(c.id);
    expect(canary.status).toBe('rollback_failed');
    expect(canary.rollback?.error).toContain(`dispatch: github ${code}`);
    const [entry] = await h.audit.list({ action: 'rollback_failed' });
    expect(entry.meta).toMatchObject({ failed_steps: ['dispatch'], rollback_to: 'v28R.0' });
  });

  test('Play failing after GitHub succeeded resumes with a fresh edit and never dispatches twice (D4)', async () => {
    h.deps.settings.triesPerRun = 1;
    const c = await h.seed('mobile');
    await h.request(c.id);
    h.play.commitFailures = 1;
    expect(await handleRollback(h.deps, c.id, 'test')).toBe('pending');
    h.clock.advance(5_000);
    await reconcileRollbacks(h.deps, 'reconciler');
    expect((await canaryOf(c.id)).status).toBe('rolled_back');
    expect(h.github.dispatches()).toHaveLength(1);
    const editIds = h.play.server.calls('PUT', /\/tracks\//).map((r) => r.path.split('/')[6]);
    expect(new Set(editIds).size).toBe(2);
    expect(h.play.tracks.get(`${PKG}/production`)![0].status).toBe('halted');
  });

  test('a Hosting release whose response was lost is not created again: the live release is read first (D5)', async () => {
    const c = await h.seed('web');
    await h.request(c.id);
    h.hosting.server.on('POST', /\/channels\/live\/releases$/, (req) => {
      h.hosting.seed(LIVE, [{ version: req.query.get('versionName')! }]);
      return { dropResponse: true };
    });
    expect(await handleRollback(h.deps, c.id, 'test')).toBe('rolled_back');
    expect(h.hosting.creates()).toHaveLength(1);
    expect(h.hosting.current(LIVE)).toBe('sites/acme/versions/v0');
    const steps = await h.ledger.getSteps({ canaryId: c.id, generation: 1 });
    expect(steps.hosting_release).toMatchObject({ status: 'already_done', tries: 2 });
  });
});
