import { lazyPlayClient } from '../../../src/adapters/play/client';
import { createPlayHaltStep, promotePlayRelease } from '../../../src/adapters/play/track-actions';
import { FakePlay } from '../../fakes/play-server';
import { fakeGoogleAuth, PKG } from '../../app/rollback/harness';
import { sampleCanary } from '../firestore/sample-canary';

const fake = new FakePlay();
let options: { play: ReturnType<typeof lazyPlayClient>; clock: { now: () => number } };
const canary = sampleCanary({ id: 'mobile__v3__stable', platform: 'mobile', release: 'v3', target: { playPackage: PKG, playTrack: 'production', versionCodes: ['30'] } });
const ctx = { canary, rollbackId: 'mobile__v3__stable:1', version: 'v3', rollbackTo: 'v2', reason: 'red', timestamp: 1 };
const track = () => fake.tracks.get(`${PKG}/production`)!;

beforeAll(async () => {
  await fake.server.start();
  options = { play: lazyPlayClient({ auth: fakeGoogleAuth(), rootUrl: `${fake.server.url}/` }), clock: { now: () => 1_000 } };
});
afterAll(() => fake.server.stop());
beforeEach(() => {
  fake.server.requests.length = 0;
  fake.tracks.set(`${PKG}/production`, [
    { name: 'v2', versionCodes: ['20'], status: 'completed' },
    { name: 'v3', versionCodes: ['30'], status: 'inProgress', userFraction: 0.25 },
  ]);
});

describe('Play track actions through @googleapis/androidpublisher', () => {
  test('halts the staged rollout keeping version codes and userFraction, in one committed edit', async () => {
    expect(await createPlayHaltStep(options).execute(ctx)).toMatchObject({ status: 'done' });
    expect(track()).toEqual([
      { name: 'v2', versionCodes: ['20'], status: 'completed' },
      { name: 'v3', versionCodes: ['30'], status: 'halted', userFraction: 0.25 },
    ]);
    expect(fake.commits()).toHaveLength(1);
    expect(fake.server.requests[0].headers.authorization).toBe('Bearer test-token');
  });

  test('an already halted release is left alone and its edit discarded', async () => {
    await createPlayHaltStep(options).execute(ctx);
    fake.server.requests.length = 0;
    expect(await createPlayHaltStep(options).execute(ctx)).toMatchObject({ status: 'already_done' });
    expect(fake.commits()).toHaveLength(0);
    expect(fake.server.calls('DELETE', /\/edits\//)).toHaveLength(1);
  });

  test('a commit failure is retryable and changes nothing on the track', async () => {
    fake.commitFailures = 1;
    await expect(createPlayHaltStep(options).execute(ctx)).rejects.toMatchObject({ service: 'play', status: 503, retryable: true });
    expect(track()[1].status).toBe('inProgress');
  });

  test('promotion raises userFraction, and completes the release at 100%', async () => {
    await promotePlayRelease(options, canary, { channel: 'stable', rolloutPercent: 25 }, { channel: 'stable', rolloutPercent: 50 });
    expect(track()[1]).toMatchObject({ status: 'inProgress', userFraction: 0.5 });
    await promotePlayRelease(options, canary, { channel: 'stable', rolloutPercent: 50 }, { channel: 'stable', rolloutPercent: 100 });
    expect(track()[1]).toEqual({ name: 'v3', versionCodes: ['30'], status: 'completed' });
  });
});

describe('promotion across Play tracks', () => {
  const betaCanary = sampleCanary({ id: 'mobile__v3__beta', platform: 'mobile', release: 'v3', channel: 'beta', target: { playPackage: PKG, playTrack: 'beta', versionCodes: ['30'] } });
  const notes = [{ language: 'en-US', text: 'Faster sync' }];

  beforeEach(() => {
    fake.tracks.set(`${PKG}/beta`, [{ name: 'v3', versionCodes: ['30'], status: 'completed', releaseNotes: notes } as never]);
    fake.tracks.set(`${PKG}/production`, [{ name: 'v2', versionCodes: ['20'], status: 'completed' }]);
  });

  test('moves the build from beta onto production at the first stage’s share in one committed edit, release notes kept', async () => {
    const out = await promotePlayRelease(options, betaCanary, { channel: 'beta', rolloutPercent: 25 }, { channel: 'stable', rolloutPercent: 10 });
    expect(out).toMatchObject({ status: 'done' });
    expect(track()).toEqual([
      { name: 'v2', versionCodes: ['20'], status: 'completed' },
      { name: 'v3', versionCodes: ['30'], status: 'inProgress', userFraction: 0.1, releaseNotes: notes },
    ]);
    expect(fake.commits()).toHaveLength(1);
    expect(fake.server.calls('POST', /\/edits$/)).toHaveLength(1);
    // The testers' track keeps the build.
    expect(fake.tracks.get(`${PKG}/beta`)).toHaveLength(1);
  });

  test('does nothing when a retry finds the build already on the destination track', async () => {
    await promotePlayRelease(options, betaCanary, { channel: 'beta', rolloutPercent: 25 }, { channel: 'stable', rolloutPercent: 10 });
    fake.server.requests.length = 0;
    expect(await promotePlayRelease(options, betaCanary, { channel: 'beta', rolloutPercent: 25 }, { channel: 'stable', rolloutPercent: 10 })).toMatchObject({ status: 'already_done' });
    expect(fake.commits()).toHaveLength(0);
  });

  test('uses the configured tracks: alpha on internal testing promotes onto the closed-testing track', async () => {
    const internal = sampleCanary({ id: 'mobile__v3__alpha', platform: 'mobile', release: 'v3', channel: 'alpha', target: { playPackage: PKG, versionCodes: ['30'] } });
    fake.tracks.set(`${PKG}/internal`, [{ name: 'v3', versionCodes: ['30'], status: 'completed' }]);
    const configured = { ...options, tracks: { alpha: 'internal', beta: 'alpha' } };
    await promotePlayRelease(configured, internal, { channel: 'alpha', rolloutPercent: 10 }, { channel: 'beta', rolloutPercent: 100 });
    expect(fake.tracks.get(`${PKG}/alpha`)).toEqual([{ name: 'v3', versionCodes: ['30'], status: 'completed' }]);
  });

  test('a build missing on the source track is a permanent 404 and its edit is deleted', async () => {
    fake.tracks.set(`${PKG}/beta`, []);
    await expect(promotePlayRelease(options, betaCanary, { channel: 'beta', rolloutPercent: 25 }, { channel: 'stable', rolloutPercent: 10 })).rejects.toMatchObject({ status: 404, retryable: false });
    expect(fake.commits()).toHaveLength(0);
    expect(fake.server.calls('DELETE', /\/edits\//)).toHaveLength(1);
  });
});
