import { OAuth2Client } from 'google-auth-library';
import type { Octokit } from '@octokit/rest';
import { createFirestoreAuditLog, createFirestoreCanaryStore, createFirestoreConfigStore } from '../../../src/adapters/firestore';
import { createFirestoreRollbackLedger } from '../../../src/adapters/firestore/rollback-ledger';
import { createGitHubClient } from '../../../src/adapters/github/client';
import { createPlatformActuators, type PlatformActuatorsConfig } from '../../../src/adapters/platform-registry';
import { DEFAULT_ROLLBACK_SETTINGS, type RollbackDeps, type RollbackSettings } from '../../../src/app/rollback/deps';
import { requestRollback } from '../../../src/app/rollback/request';
import { canaryId, type Canary, type RollbackTrigger } from '../../../src/core/canary';
import type { Platform } from '../../../src/core/types';
import type { RollbackLedger } from '../../../src/ports';
import { FakeGitHub } from '../../fakes/github-releases';
import { FakeHosting } from '../../fakes/hosting-server';
import { FakePlay } from '../../fakes/play-server';
import { testFirestore } from '../../support/firestore';
import { sampleCanary, T0 } from '../../adapters/firestore/sample-canary';

/** A clock whose sleep advances time instantly: waits are asserted, never spent. */
export class FakeClock {
  readonly sleeps: number[] = [];
  constructor(public t: number) {}
  now = (): number => this.t;
  sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.t += Math.max(0, ms);
  };
  advance(ms: number): void {
    this.t += ms;
  }
}

export const LIVE = 'sites/acme/channels/live';
export const PKG = 'com.acme.app';

/** A fixed-token auth client: googleapis sends `Authorization: Bearer test-token` to the fakes. */
export function fakeGoogleAuth(): OAuth2Client {
  const auth = new OAuth2Client({ transporterOptions: { fetchImplementation: fetch } });
  auth.setCredentials({ access_token: 'test-token', expiry_date: Date.now() + 24 * 3600_000 });
  return auth;
}

/**
 * Everything a rollback test needs: the Firestore test server (real firebase-admin), fake GitHub,
 * Play and Hosting servers reached through the real clients, a fake clock, and the deps.
 */
export async function rollbackHarness(label: string, options: { settings?: Partial<RollbackSettings>; actuators?: Partial<PlatformActuatorsConfig> } = {}) {
  const fs = testFirestore(label);
  const github = new FakeGitHub();
  const hosting = new FakeHosting();
  const play = new FakePlay();
  await Promise.all([github.server.start(), hosting.server.start(), play.server.start()]);
  const clock = new FakeClock(T0 + 3600_000);
  let octokit: Promise<Octokit> | undefined;
  const auth = fakeGoogleAuth();
  const canaries = createFirestoreCanaryStore(fs.db);
  const actuators = createPlatformActuators({
    clock,
    // As deployed: config/web_cohorts tells the cohort_share step whether a router fronts the site.
    cohorts: { canaries, config: createFirestoreConfigStore(fs.db) },
    github: {
      client: () => (octokit ??= createGitHubClient({ token: 'test', baseUrl: github.server.url, retry: { enabled: false }, maxRateLimitWaitMs: 0, throttle: { enabled: false } })),
    },
    play: { auth, rootUrl: `${play.server.url}/` },
    hosting: { auth, rootUrl: `${hosting.server.url}/` },
    ...options.actuators,
  });
  const audit = createFirestoreAuditLog(fs.db);
  const ledger: RollbackLedger = createFirestoreRollbackLedger(fs.db);
  const deps: RollbackDeps = {
    canaries,
    audit,
    ledger,
    actuators,
    clock,
    sleep: clock.sleep,
    settings: { ...DEFAULT_ROLLBACK_SETTINGS, rollbacksPerHour: 50, ...options.settings },
  };

  /** A canary of the platform with its previous release in place on the fakes. */
  async function seed(platform: Platform, overrides: Partial<Canary> = {}): Promise<Canary> {
    const release = overrides.release ?? 'v28R.1';
    const channel = overrides.channel ?? 'stable';
    const canary = sampleCanary({
      id: canaryId(platform, release, channel),
      platform,
      release,
      channel,
      createdAt: T0,
      target: {
        repository: 'acme/app',
        ...(platform === 'web' ? { hostingSite: 'acme', hostingChannel: 'live', previousHostingVersion: 'sites/acme/versions/v0' } : {}),
        ...(platform === 'mobile' ? { playPackage: PKG, playTrack: 'production', versionCodes: ['281'] } : {}),
      },
      ...overrides,
      rollout: { ...sampleCanary().rollout, channel, rolloutPercent: 10, redSince: T0 + 1800_000, ...overrides.rollout },
    });
    await canaries.createIfAbsent(canary);
    return canary;
  }

  function seedPlatforms(): void {
    github.seed(['v28R.0', 'v28R.1']);
    hosting.seed(LIVE, [
      { version: 'sites/acme/versions/v0', message: 'v28R.0' },
      { version: 'sites/acme/versions/v1', message: 'v28R.1' },
    ]);
    play.tracks.set(`${PKG}/production`, [{ name: 'v28R.1', versionCodes: ['281'], status: 'inProgress', userFraction: 0.1 }]);
  }

  async function request(id: string, trigger: RollbackTrigger = 'auto-policy', reason = 'Error rate 8% (threshold 5%)') {
    return requestRollback({ canaries, audit, clock }, { canaryId: id, reason, trigger, requestedBy: trigger === 'manual' ? 'ops-key' : 'system', onsetAt: T0 + 1800_000 });
  }

  /** The stored canary; fails the test when it is missing or invalid. */
  async function canaryOf(id: string) {
    const read = await canaries.get(id);
    if (!read?.ok) throw new Error(`no canary ${id}`);
    return read.canary;
  }

  /** Requests to the platforms, all fakes together. */
  const platformRequests = () => github.server.requests.length + hosting.server.requests.length + play.server.requests.length;

  async function close(): Promise<void> {
    await Promise.all([github.server.stop(), hosting.server.stop(), play.server.stop()]);
    await fs.close();
  }

  return { ...fs, github, hosting, play, clock, deps, canaries, audit, ledger, seed, seedPlatforms, request, canaryOf, platformRequests, close };
}

export type RollbackHarness = Awaited<ReturnType<typeof rollbackHarness>>;
