import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFirestoreAuditLog, createFirestoreCanaryStore, createFirestoreConfigStore } from '../../../src/adapters/firestore';
import { createFirestoreRollbackLedger } from '../../../src/adapters/firestore/rollback-ledger';
import { createHttpShellSource } from '../../../src/adapters/cohorts/shell-fetch';
import { createPlatformActuators } from '../../../src/adapters/platform-registry';
import { createCohortRouter } from '../../../src/app/cohorts/router';
import { defaultEvaluateSettings, evaluateAll, type EvaluateDeps } from '../../../src/app/evaluate';
import { DEFAULT_ROLLBACK_SETTINGS, type RollbackDeps } from '../../../src/app/rollback/deps';
import { handleRollback } from '../../../src/app/rollback/handle';
import { requestRollback } from '../../../src/app/rollback/request';
import { canaryId, type Canary } from '../../../src/core/canary';
import type { CanaryStore, PlatformActuators } from '../../../src/ports';
import { cohortRouterHandler } from '../../../src/http/cohort-router';
import { FakeHttpServer, type FakeReply } from '../../../src/testing/fakes/http-fake';
import { FakeHosting } from '../../fakes/hosting-server';
import { sampleCanary } from '../../adapters/firestore/sample-canary';
import { officialEmulator, testFirestore } from '../../support/firestore';
import { CapturingLogger, openLease, ScriptedMetrics } from '../evaluate/harness';
import { fakeGoogleAuth } from '../rollback/harness';
import { appBuild, idWhere } from './kit';

/*
 * End to end through the deployed code paths: the scheduled evaluation promotes a web canary with
 * the real platform registry against a fake Hosting API; fake Hosting channels serve whatever
 * version that API last released to them; the cohort router (its HTTP handler) reads the shares
 * from the same Firestore. Nothing is stubbed between the decision and the page a visitor gets.
 */

const HOUR = 3_600_000;
const T = Date.parse('2026-01-07T12:00:00Z');
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const SITE = 'sites/acme/channels';
const SHARES_TTL_MS = 5_000;

// Visitors by bucket: under 10 % (alpha), between 10 % and 25 % (beta once promoted), above 35 %.
const lowId = idWhere((b) => b < 1000, 'promo');
const midId = idWhere((b) => b >= 1000 && b < 2500, 'promo');
const highId = idWhere((b) => b >= 3500, 'promo');

const clock = { t: T, now: () => clock.t };
let fs: ReturnType<typeof testFirestore>;
let hosting: FakeHosting;
const channels: Record<'live' | 'alpha' | 'beta', FakeHttpServer> = { live: new FakeHttpServer(), alpha: new FakeHttpServer(), beta: new FakeHttpServer() };
let router: Server;
let routerUrl: string;
let evaluate: EvaluateDeps;
let rollbackDeps: (autoRollbackEnabled: boolean) => RollbackDeps;

/** Hosting versions are named after the release they carry: sites/acme/versions/<release>. */
const version = (release: string) => `sites/acme/versions/${release}`;

/** A Hosting channel on 127.0.0.1 serving the build of the version the fake Hosting API last released to it. */
function serveChannel(server: FakeHttpServer, channel: string): void {
  server.on('GET', /^\/(shell\.html|assets\/[a-z]+\.js)$/, (req): FakeReply => {
    const current = hosting.current(`${SITE}/${channel}`);
    const file = current ? appBuild(current.split('/').pop()!)[req.path] : undefined;
    if (!file) return { status: 404, headers: { 'content-type': 'text/html' }, body: 'not found' };
    return { status: 200, headers: { 'content-type': file.type, 'access-control-allow-origin': '*' }, body: file.body };
  });
}

/** A navigation by a visitor who already has a cohort cookie (`opt` appended as an opt-in). */
async function visit(id: string, query = '', opt = ''): Promise<{ channel: string | undefined; release: string | undefined; body: string; setCookie: string | null }> {
  const res = await fetch(`${routerUrl}/pricing${query}`, { headers: { cookie: `__session=cg1.${id}${opt}`, 'user-agent': CHROME } });
  const body = await res.text();
  expect(res.status).toBe(200);
  return {
    channel: /<meta name="canary-channel" content="([a-z]+)">/.exec(body)?.[1],
    release: /<meta name="canary-release" content="([^"]+)">/.exec(body)?.[1],
    body,
    setCookie: res.headers.get('set-cookie'),
  };
}

/** The router's shares cache runs out: the next navigation sees what Firestore holds now. */
const afterSharesTtl = () => (clock.t += SHARES_TTL_MS);

async function stored(id: string): Promise<Canary> {
  const read = await evaluate.canaries.get(id);
  if (!read?.ok) throw new Error(`canary ${id} unreadable`);
  return read.canary;
}

function webCanary(release: string, channel: 'alpha' | 'beta', overrides: Partial<Canary> = {}, rollout: Partial<Canary['rollout']> = {}): Canary {
  const base = sampleCanary();
  return sampleCanary({
    id: canaryId('web', release, channel),
    release,
    previousRelease: 'v1',
    channel,
    createdAt: T - 26 * HOUR,
    updatedAt: T - 26 * HOUR,
    target: { repository: 'acme/app', hostingSite: 'acme', hostingChannel: channel, previousHostingVersion: version('v1') },
    ...overrides,
    rollout: { ...base.rollout, channel, rolloutPercent: channel === 'alpha' ? 10 : 25, stageStartedAt: T - 26 * HOUR, ...rollout },
  });
}

beforeAll(async () => {
  fs = testFirestore('cohort-promo');
  hosting = new FakeHosting();
  await hosting.server.start();
  for (const [name, server] of Object.entries(channels)) {
    serveChannel(server, name);
    await server.start();
  }
  hosting.seed(`${SITE}/live`, [{ version: version('v1'), message: 'v1' }]);
  hosting.seed(`${SITE}/beta`, [{ version: version('v1'), message: 'v1' }]);
  hosting.seed(`${SITE}/alpha`, [{ version: version('v3'), message: 'v3' }]);
  await fs.db.doc('config/web_cohorts').set({
    site: 'acme',
    liveUrl: channels.live.url,
    channelUrls: { alpha: channels.alpha.url, beta: channels.beta.url },
    sharesTtlMs: SHARES_TTL_MS,
  });

  const canaries = createFirestoreCanaryStore(fs.db);
  const audit = createFirestoreAuditLog(fs.db);
  const config = createFirestoreConfigStore(fs.db);
  const actuators = createPlatformActuators({
    clock,
    hosting: { auth: fakeGoogleAuth(), rootUrl: `${hosting.server.url}/` },
    cohorts: { canaries, config },
    // Web only here: the share and Hosting, as a site without the GitHub dispatch would configure it.
    steps: { web: ['cohort_share', 'hosting_release'], desktop: [], mobile: [] },
  });
  evaluate = { canaries, audit, config, metrics: new ScriptedMetrics(), actuators, lease: openLease, clock, logger: new CapturingLogger(), settings: { ...defaultEvaluateSettings } };
  rollbackDeps = (autoRollbackEnabled) => ({
    canaries,
    audit,
    ledger: createFirestoreRollbackLedger(fs.db),
    actuators,
    clock,
    sleep: async (ms) => void (clock.t += ms),
    settings: { ...DEFAULT_ROLLBACK_SETTINGS, autoRollbackEnabled, rollbacksPerHour: 50 },
  });

  const serve = createCohortRouter({
    canaries,
    config,
    shells: createHttpShellSource({ timeoutMs: 4_000 }),
    clock,
    newSessionId: () => 'AAAAAAAAAAAAAAAAAAAAAA',
    secureCookie: false,
    logger: { warn: () => undefined, error: () => undefined },
  });
  router = createServer(cohortRouterHandler(serve));
  await new Promise<void>((resolve) => router.listen(0, '127.0.0.1', resolve));
  routerUrl = `http://127.0.0.1:${(router.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => router.close(() => resolve()));
  await Promise.all([hosting.server.stop(), ...Object.values(channels).map((c) => c.stop())]);
  await fs.close();
});

describe('promotion raises the cohort router\'s share along the stages', () => {
  test('alpha 10 % -> beta 25 %: a visitor between 10 % and 25 % gets the release on the next navigation after the shares TTL, same cookie; stable promotion releases it on the live channel', async () => {
    const id = canaryId('web', 'v3', 'alpha');
    await evaluate.canaries.createIfAbsent(
      webCanary('v3', 'alpha', { gates: { openP0P1Bugs: 0, securityScanPassed: true } }, { greenSince: T - 25 * HOUR, lastWindowStart: T - 10 * 60_000 }),
    );
    clock.t = T - 20_000;
    expect(await visit(lowId)).toMatchObject({ channel: 'alpha', release: 'v3' });
    expect(await visit(midId)).toMatchObject({ channel: 'stable', release: undefined });
    expect((await visit(midId)).body).toContain('<h1 id="release">v1</h1>');

    // The scheduled tick: the 24 h alpha bake is met, so Hosting releases v3 on beta and the share rises.
    clock.t = T + 30_000;
    const report = await evaluateAll(evaluate, new Date(T).toISOString());
    expect(report.outcomes.find((o) => o.id === id)).toMatchObject({ status: 'decided', decision: 'promote', acted: ['promote'] });
    expect(hosting.current(`${SITE}/beta`)).toBe(version('v3'));
    const promoted = await stored(id);
    expect(promoted.status).toBe('running');
    expect(promoted.rollout).toMatchObject({ channel: 'beta', rolloutPercent: 25 });
    expect(promoted.cohort).toEqual({ share: 25, changedAt: T + 30_000, previousShare: 10 });
    const entries = (await evaluate.audit.list({ action: 'canary_promote', targetId: 'v3' })).filter((e) => e.meta.canaryId === id);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.meta).toMatchObject({ share: { channel: 'beta', from: 10, to: 25 }, to: { channel: 'beta', rolloutPercent: 25 } });
    expect(entries[0]!.meta.position_written).toBeUndefined();

    afterSharesTtl();
    const mid = await visit(midId);
    expect(mid).toMatchObject({ channel: 'beta', release: 'v3', setCookie: null });
    expect(mid.body).toContain('<h1 id="release">v3</h1>');
    expect(mid.body).toContain(`src="${channels.beta.url}/assets/index.js"`);
    // Alpha's visitors stay on the release (their buckets are inside beta's); the rest stay on stable.
    expect(await visit(lowId)).toMatchObject({ channel: 'beta', release: 'v3', setCookie: null });
    expect(await visit(highId)).toMatchObject({ channel: 'stable', setCookie: null });
    expect((await visit(highId)).body).toContain('<h1 id="release">v1</h1>');

    // Beta's 48 h bake and its gates met: stable promotion is a release on the live channel, as before.
    const S2 = T + 3 * HOUR;
    await evaluate.canaries.update(
      id,
      {
        'rollout.greenSince': S2 - 49 * HOUR,
        'rollout.stageStartedAt': S2 - 49 * HOUR,
        'rollout.bake': undefined,
        'rollout.lastWindowStart': S2 - 10 * 60_000,
        gates: { openP0P1Bugs: 0, securityScanPassed: true, loadTestPassed: true, crossPlatformValidated: true, guardianPassed: true, userFeedbackScore: 4.6 },
      },
      { by: 'person' },
    );
    clock.t = S2 + 30_000;
    const second = await evaluateAll(evaluate, new Date(S2).toISOString());
    expect(second.outcomes.find((o) => o.id === id)).toMatchObject({ decision: 'promote', acted: ['promote'] });
    expect(hosting.current(`${SITE}/live`)).toBe(version('v3'));
    const onStable = await stored(id);
    expect(onStable.rollout).toMatchObject({ channel: 'stable', rolloutPercent: 100 });
    expect(onStable.cohort).toEqual({ share: 100, changedAt: S2 + 30_000, previousShare: 25 });
    afterSharesTtl();
    for (const visitor of [lowId, midId, highId]) {
      const page = await visit(visitor);
      expect(page).toMatchObject({ channel: 'stable', release: 'v3', setCookie: null });
      expect(page.body).toContain('<h1 id="release">v3</h1>');
      expect(page.body).toContain('<script type="module" src="/assets/index.js">');
    }
  });

  test('a paused canary\'s share is 0 (opted-in testers only), and so is one whose rollback the kill switch held; a rolled-back one gets nobody', async () => {
    clock.t = T + 10 * HOUR;
    hosting.seed(`${SITE}/alpha`, [{ version: version('v4'), message: 'v4' }]);
    hosting.seed(`${SITE}/beta`, [{ version: version('v5'), message: 'v5' }]);
    const alpha = webCanary('v4', 'alpha', { createdAt: clock.t, updatedAt: clock.t, previousRelease: 'v3', target: { repository: 'acme/app', hostingSite: 'acme', hostingChannel: 'alpha', previousHostingVersion: version('v3') } });
    const beta = webCanary('v5', 'beta', { createdAt: clock.t, updatedAt: clock.t, previousRelease: 'v3', target: { repository: 'acme/app', hostingSite: 'acme', hostingChannel: 'beta', previousHostingVersion: version('v3') } });
    await evaluate.canaries.createIfAbsent(alpha);
    await evaluate.canaries.createIfAbsent(beta);
    afterSharesTtl();
    expect(await visit(lowId)).toMatchObject({ channel: 'alpha', release: 'v4' });
    expect(await visit(midId)).toMatchObject({ channel: 'beta', release: 'v5' });

    // Paused by the evaluator: nobody by bucket (beta's 25 % now starts at bucket 0, so alpha's
    // visitors are on beta's release), opted-in testers still reach it.
    await evaluate.canaries.update(alpha.id, { status: 'paused', 'rollout.paused': true, pauseReason: 'yellow' });
    afterSharesTtl();
    expect(await visit(lowId)).toMatchObject({ channel: 'beta', release: 'v5', setCookie: null });
    expect(await visit(lowId, '', '.alpha')).toMatchObject({ channel: 'alpha', release: 'v4' });
    await evaluate.canaries.update(alpha.id, { status: 'running', 'rollout.paused': false, pauseReason: undefined });

    // Rolled back: the share goes to 0 first, then Hosting; nobody is sent there, testers included.
    await requestRollback({ canaries: evaluate.canaries, audit: evaluate.audit, clock }, { canaryId: alpha.id, reason: 'error rate', trigger: 'auto-policy', requestedBy: 'system' });
    expect(await handleRollback(rollbackDeps(true), alpha.id, 'test')).toBe('rolled_back');
    const rolledBack = await stored(alpha.id);
    expect(rolledBack.cohort).toMatchObject({ share: 0, previousShare: 10 });
    expect(rolledBack.rollback?.steps).toEqual({ cohort_share: 'done', hosting_release: 'done' });
    afterSharesTtl();
    expect(await visit(lowId)).toMatchObject({ channel: 'beta', release: 'v5', setCookie: null });
    // The opt-in finds no alpha channel to reach: the bucket decides, as for everyone.
    expect(await visit(lowId, '', '.alpha')).toMatchObject({ channel: 'beta', release: 'v5' });

    // The kill switch holds an automatic rollback: nothing is sent (the share step only recorded), the
    // canary is paused and frozen, and the router serves it as the pause it is: nobody by bucket,
    // opted-in testers still reach it (doing what the step would do would be acting on a held rollback).
    await requestRollback({ canaries: evaluate.canaries, audit: evaluate.audit, clock }, { canaryId: beta.id, reason: 'error rate', trigger: 'auto-policy', requestedBy: 'system' });
    expect(await handleRollback(rollbackDeps(false), beta.id, 'test')).toBe('recorded_only');
    const held = await stored(beta.id);
    expect(held).toMatchObject({ status: 'paused', rollout: expect.objectContaining({ frozen: true }) });
    expect(held.cohort).toBeUndefined();
    afterSharesTtl();
    for (const visitor of [lowId, midId]) expect(await visit(visitor)).toMatchObject({ channel: 'stable', release: 'v3', setCookie: null });
    expect(await visit(midId, '', '.beta')).toMatchObject({ channel: 'beta', release: 'v5' });
    // A person settles the held rollback (run it, here): the later tests' beta canaries are the newest on beta.
    await requestRollback({ canaries: evaluate.canaries, audit: evaluate.audit, clock }, { canaryId: beta.id, reason: 'confirmed by ops', trigger: 'manual', requestedBy: 'ops' });
    expect(await handleRollback(rollbackDeps(true), beta.id, 'test')).toBe('rolled_back');
    afterSharesTtl();
    expect(await visit(midId, '', '.beta')).toMatchObject({ channel: 'stable' });
  });
});

/** The deps of a tick whose platform action runs `meanwhile` once Hosting answered (another writer's turn). */
function tickWith(meanwhile: () => Promise<void>, canaries: CanaryStore = evaluate.canaries): EvaluateDeps {
  const actuators: PlatformActuators = {
    promote: async (canary, from, to) => {
      const outcome = await evaluate.actuators.promote(canary, from, to);
      await meanwhile();
      return outcome;
    },
  };
  return { ...evaluate, canaries, actuators };
}

/** A fresh alpha canary whose 24 h bake and gates are met at `at`, released on the alpha channel. */
async function bakedAlpha(release: string, at: number): Promise<Canary> {
  hosting.seed(`${SITE}/alpha`, [{ version: version(release), message: release }]);
  const c = webCanary(release, 'alpha', {
    createdAt: at - 26 * HOUR,
    previousRelease: 'v3',
    target: { repository: 'acme/app', hostingSite: 'acme', hostingChannel: 'alpha', previousHostingVersion: version('v3') },
    gates: { openP0P1Bugs: 0, securityScanPassed: true },
  }, { stageStartedAt: at - 26 * HOUR, greenSince: at - 25 * HOUR, lastWindowStart: at - 10 * 60_000 });
  await evaluate.canaries.createIfAbsent(c);
  return c;
}

describe('the promotion\'s share is never written from a stale read', () => {
  test('a rollback that lands while Hosting promotes keeps the share at 0 and the position where it was; the promotion is still audited, saying so', async () => {
    const at = T + 20 * HOUR;
    const c = await bakedAlpha('v6', at);
    clock.t = at + 30_000;
    const deps = tickWith(async () => {
      await requestRollback({ canaries: evaluate.canaries, audit: evaluate.audit, clock }, { canaryId: c.id, reason: 'error rate', trigger: 'manual', requestedBy: 'ops' });
      expect(await handleRollback(rollbackDeps(true), c.id, 'test')).toBe('rolled_back');
    });
    const report = await evaluateAll(deps, new Date(at).toISOString());
    expect(report.outcomes.find((o) => o.id === c.id)).toMatchObject({ decision: 'promote', acted: ['promote', 'position:rollback_holds'] });
    const after = await stored(c.id);
    expect(after).toMatchObject({ status: 'rolled_back', rollout: expect.objectContaining({ channel: 'alpha', frozen: true }) });
    expect(after.cohort?.share).toBe(0);
    const [entry] = (await evaluate.audit.list({ action: 'canary_promote', targetId: 'v6' })).filter((e) => e.meta.canaryId === c.id);
    expect(entry!.meta).toMatchObject({ position_written: false, position_not_written: expect.stringContaining('rolled_back') });
    expect(entry!.meta.share).toBeUndefined();
    afterSharesTtl();
    expect(await visit(lowId)).toMatchObject({ channel: 'stable' });
  });

  (officialEmulator ? test : test.skip)(
    `a pause written between the landing's read and its write is kept: the write is refused on the read's update time, re-read, and lands with the pause${officialEmulator ? '' : ' (skipped: needs the official Firestore emulator, which honours update-time preconditions)'}`,
    async () => {
      const at = T + 30 * HOUR;
      const c = await bakedAlpha('v7', at);
      clock.t = at + 30_000;
      // Armed once Hosting answered: the landing's first read is overtaken by an operator's pause.
      let armed = false;
      const overtaking: CanaryStore = {
        ...evaluate.canaries,
        get: async (id) => {
          const read = await evaluate.canaries.get(id);
          if (armed && id === c.id) {
            armed = false;
            await evaluate.canaries.update(id, { status: 'paused', pauseReason: 'paused by ops during the promotion' }, { by: 'person' });
          }
          return read;
        },
      };
      const report = await evaluateAll(tickWith(async () => void (armed = true), overtaking), new Date(at).toISOString());
      expect(report.outcomes.find((o) => o.id === c.id)).toMatchObject({ decision: 'promote', acted: ['promote'] });
      expect(armed).toBe(false);
      const after = await stored(c.id);
      expect(after).toMatchObject({ status: 'paused', pauseReason: 'paused by ops during the promotion', rollout: expect.objectContaining({ channel: 'beta', rolloutPercent: 25 }) });
      expect(after.cohort).toEqual({ share: 25, changedAt: at + 30_000, previousShare: 10 });
      // Paused, so the router gives it nobody by bucket; its testers reach it on beta.
      afterSharesTtl();
      expect(await visit(midId)).toMatchObject({ channel: 'stable' });
      expect(await visit(midId, '', '.beta')).toMatchObject({ channel: 'beta', release: 'v7' });
    },
  );
});
