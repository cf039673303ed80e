import type { androidpublisher_v3 } from '@googleapis/androidpublisher';
import type { Canary } from '../../core/canary';
import type { Channel } from '../../core/types';
import type { Clock } from '../../ports/clock';
import { PlatformError, type ActionOutcome, type PromotionStep, type ReadinessCheck, type RollbackStep } from '../../ports/platform';
import { toGooglePlatformError } from '../google-api-error';

type Publisher = androidpublisher_v3.Androidpublisher;
type TrackRelease = androidpublisher_v3.Schema$TrackRelease;

interface Options {
  play: () => Promise<Publisher>;
  clock: Clock;
  /** Play track per channel when the canary names none (default alpha / beta / production). */
  tracks?: Partial<Record<Channel, string>>;
}

const DEFAULT_TRACKS: Record<Channel, string> = { alpha: 'alpha', beta: 'beta', stable: 'production' };

function packageOf(canary: Canary): string {
  if (!canary.target.playPackage) throw new PlatformError('play', `canary ${canary.id} names no Play package (target.playPackage)`, false);
  return canary.target.playPackage;
}

/**
 * The Play track of a channel: the one the canary was registered with names its own channel's
 * track only; every other channel's comes from config/rollback `playTracks`, else the defaults.
 * Play's four tracks (source document): internal, alpha (closed testing), beta (open testing),
 * production; a team that starts on internal testing maps alpha to `internal`.
 */
function trackOf(options: Options, canary: Canary, channel: Channel): string {
  return (channel === canary.channel ? canary.target.playTrack : undefined) ?? options.tracks?.[channel] ?? DEFAULT_TRACKS[channel];
}

/** The track's release of this canary: by version codes when known, else by release name. */
function findRelease(releases: TrackRelease[], canary: Canary): TrackRelease | undefined {
  const codes = canary.target.versionCodes ?? [];
  return releases.find((r) => (codes.length > 0 ? (r.versionCodes ?? []).some((c) => codes.includes(c)) : r.name === canary.release));
}

/**
 * Runs one edit: insert, read the track, let `change` rewrite its releases (or decide there is
 * nothing to do, which deletes the edit), update, commit. Every call opens a fresh edit, so a
 * retry never reuses an edit a failed attempt left behind.
 */
async function withTrackEdit(
  publisher: Publisher,
  packageName: string,
  track: string,
  change: (releases: TrackRelease[]) => TrackRelease[] | null,
): Promise<boolean> {
  const edit = await publisher.edits.insert({ packageName, requestBody: {} });
  const editId = edit.data.id!;
  const current = await publisher.edits.tracks.get({ packageName, editId, track });
  const next = change(current.data.releases ?? []);
  if (!next) {
    await publisher.edits.delete({ packageName, editId }).catch(() => undefined);
    return false;
  }
  await publisher.edits.tracks.update({ packageName, editId, track, requestBody: { track, releases: next } });
  await publisher.edits.commit({ packageName, editId });
  return true;
}

/**
 * Mobile rollback: halt the staged rollout (same release, `status: halted`, version codes and
 * userFraction kept). Play cannot take a build back from devices that installed it: those users
 * keep the bad version until a fixed build with a higher versionCode ships.
 */
export function createPlayHaltStep(options: Options): RollbackStep {
  return {
    name: 'play_halt',
    describe(ctx) {
      return `Play ${ctx.canary.target.playPackage ?? '?'} track ${trackOf(options, ctx.canary, ctx.canary.rollout.channel)}: edits.insert, tracks.update release ${ctx.version} status=halted, edits.commit`;
    },
    async execute(ctx): Promise<ActionOutcome> {
      const packageName = packageOf(ctx.canary);
      const track = trackOf(options, ctx.canary, ctx.canary.rollout.channel);
      let found = false;
      try {
        const changed = await withTrackEdit(await options.play(), packageName, track, (releases) => {
          const release = findRelease(releases, ctx.canary);
          found = release !== undefined;
          if (!release || release.status === 'halted') return null;
          return releases.map((r) => (r === release ? { ...r, status: 'halted' } : r));
        });
        if (!found) throw new PlatformError('play', `release ${ctx.version} is not on track ${track} of ${packageName}`, false, 404);
        return changed
          ? { status: 'done', detail: `halted ${ctx.version} on ${packageName}/${track}` }
          : { status: 'already_done', detail: `${ctx.version} already halted on ${packageName}/${track}` };
      } catch (err) {
        throw toGooglePlatformError(err, 'play', options.clock, `halting ${packageName}/${track}`);
      }
    },
    readiness: (canary) => playReadiness(options, canary),
  };
}

const statusOf = (err: unknown) => (err as { response?: { status?: number }; status?: number } | null)?.response?.status ?? (err as { status?: number } | null)?.status;
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Opens an edit for the package, reads the track, finds this canary's release and deletes the
 * edit. An edit is a private draft of the service account: opening and deleting one changes
 * nothing users or other Console users see (only a commit publishes). Whether a commit would be
 * accepted is not provable without committing, so that check is reported as unproven.
 */
async function playReadiness(options: Options, canary: Canary): Promise<ReadinessCheck[]> {
  const step = 'play_halt' as const;
  let packageName: string;
  try {
    packageName = packageOf(canary);
  } catch (err) {
    return [{ step, check: 'package', outcome: 'failed', detail: messageOf(err), missing: 'target.playPackage' }];
  }
  const track = trackOf(options, canary, canary.rollout.channel);
  let publisher: Publisher;
  let editId: string;
  try {
    publisher = await options.play();
    const edit = await publisher.edits.insert({ packageName, requestBody: {} });
    editId = edit.data.id!;
  } catch (err) {
    const status = statusOf(err);
    const missing =
      status === 401 || status === 403
        ? 'Play Console access for the service account to this app (Users & permissions: release to the track)'
        : status === 404
          ? `Play app ${packageName}`
          : undefined;
    return [{ step, check: 'edit', outcome: 'failed', detail: `opening an edit of ${packageName} failed: ${status ?? 'network'} ${messageOf(err)}`, ...(missing ? { missing } : {}) }];
  }
  const checks: ReadinessCheck[] = [{ step, check: 'edit', outcome: 'ok', detail: `an edit of ${packageName} can be opened (opened and deleted; nothing published)` }];
  try {
    const current = await publisher.edits.tracks.get({ packageName, editId, track });
    const release = findRelease(current.data.releases ?? [], canary);
    checks.push(
      release
        ? { step, check: 'release on track', outcome: 'ok', detail: `${canary.release} is on ${packageName}/${track} (${release.status ?? 'no status'})` }
        : { step, check: 'release on track', outcome: 'failed', detail: `${canary.release} is not on track ${track} of ${packageName}`, missing: `release ${canary.release} on Play track ${track}` },
    );
  } catch (err) {
    const status = statusOf(err);
    checks.push({ step, check: 'release on track', outcome: 'failed', detail: `reading track ${track} failed: ${status ?? 'network'} ${messageOf(err)}`, ...(status === 404 ? { missing: `Play track ${track}` } : {}) });
  } finally {
    await publisher.edits.delete({ packageName, editId }).catch(() => undefined);
  }
  checks.push({ step, check: 'commit permission', outcome: 'unproven', detail: 'Play accepts or refuses a commit only when one is sent; the halt needs release rights on this track' });
  return checks;
}

/**
 * Promotion onto the next channel's track, in ONE edit: the release (version codes, name, release
 * notes) read from the source track is put on the destination track as a staged rollout at the
 * first stage's share (completed at 100%), and committed together; the source track is left as is
 * (testers keep the build). A release already on the destination track is not added again.
 */
async function promoteAcrossTracks(options: Options, canary: Canary, from: PromotionStep, to: PromotionStep): Promise<ActionOutcome> {
  const packageName = packageOf(canary);
  const source = trackOf(options, canary, from.channel);
  const track = trackOf(options, canary, to.channel);
  const complete = to.rolloutPercent >= 100;
  const publisher = await options.play();
  try {
    const edit = await publisher.edits.insert({ packageName, requestBody: {} });
    const editId = edit.data.id!;
    try {
      const [src, dst] = await Promise.all([publisher.edits.tracks.get({ packageName, editId, track: source }), publisher.edits.tracks.get({ packageName, editId, track })]);
      const release = findRelease(src.data.releases ?? [], canary);
      if (!release) throw new PlatformError('play', `release ${canary.release} is not on track ${source} of ${packageName}`, false, 404);
      const existing = dst.data.releases ?? [];
      if (findRelease(existing, canary)) {
        await publisher.edits.delete({ packageName, editId }).catch(() => undefined);
        return { status: 'already_done', detail: `${canary.release} already on ${packageName}/${track}` };
      }
      const moved: TrackRelease = {
        name: release.name,
        versionCodes: release.versionCodes,
        ...(release.releaseNotes ? { releaseNotes: release.releaseNotes } : {}),
        ...(complete ? { status: 'completed' } : { status: 'inProgress', userFraction: to.rolloutPercent / 100 }),
      };
      // A staged rollout replaces what the track offered to new users; the completed release that
      // serves everyone else stays, as Play requires for an inProgress release.
      const kept = existing.filter((r) => r.status === 'completed' && !complete);
      await publisher.edits.tracks.update({ packageName, editId, track, requestBody: { track, releases: [...kept, moved] } });
      await publisher.edits.commit({ packageName, editId });
      return { status: 'done', detail: `${canary.release} promoted from ${packageName}/${source} to ${track} at ${complete ? 'completed' : `${to.rolloutPercent}%`}` };
    } catch (err) {
      await publisher.edits.delete({ packageName, editId }).catch(() => undefined);
      throw err;
    }
  } catch (err) {
    throw toGooglePlatformError(err, 'play', options.clock, `promoting ${packageName} from ${source} to ${track}`);
  }
}

/** Mobile promotion: onto the next channel's track, or raise userFraction on the track, or complete the release at 100%. */
export async function promotePlayRelease(options: Options, canary: Canary, from: PromotionStep, to: PromotionStep): Promise<ActionOutcome> {
  if (trackOf(options, canary, from.channel) !== trackOf(options, canary, to.channel)) return promoteAcrossTracks(options, canary, from, to);
  const packageName = packageOf(canary);
  const track = trackOf(options, canary, to.channel);
  const complete = to.rolloutPercent >= 100;
  const fraction = to.rolloutPercent / 100;
  let found = false;
  try {
    const changed = await withTrackEdit(await options.play(), packageName, track, (releases) => {
      const release = findRelease(releases, canary);
      found = release !== undefined;
      if (!release) return null;
      if (complete ? release.status === 'completed' : release.status === 'inProgress' && release.userFraction === fraction) return null;
      const raised: TrackRelease = complete
        ? { name: release.name, versionCodes: release.versionCodes, releaseNotes: release.releaseNotes, status: 'completed' }
        : { ...release, status: 'inProgress', userFraction: fraction };
      return releases.map((r) => (r === release ? raised : r));
    });
    if (!found) throw new PlatformError('play', `release ${canary.release} is not on track ${track} of ${packageName}`, false, 404);
    return changed
      ? { status: 'done', detail: `${canary.release} on ${packageName}/${track} at ${complete ? 'completed' : `${to.rolloutPercent}%`}` }
      : { status: 'already_done', detail: `${canary.release} already at ${to.rolloutPercent}% on ${packageName}/${track}` };
  } catch (err) {
    throw toGooglePlatformError(err, 'play', options.clock, `promoting on ${packageName}/${track}`);
  }
}
