import type { firebasehosting_v1beta1 } from 'googleapis/build/src/apis/firebasehosting';
import type { Canary } from '../../core/canary';
import type { Channel } from '../../core/types';
import type { Clock } from '../../ports/clock';
import { PlatformError, type ActionOutcome, type PromotionStep, type RollbackContext, type RollbackStep } from '../../ports/platform';
import { toGooglePlatformError } from '../google-api-error';

type Hosting = firebasehosting_v1beta1.Firebasehosting;
type Release = firebasehosting_v1beta1.Schema$Release;

interface Options {
  hosting: () => Promise<Hosting>;
  clock: Clock;
  /** Hosting channel per product channel when the canary names none (default alpha / beta / live). */
  channels?: Partial<Record<Channel, string>>;
}

const DEFAULT_CHANNELS: Record<Channel, string> = { alpha: 'alpha', beta: 'beta', stable: 'live' };

function siteOf(canary: Canary): string {
  if (!canary.target.hostingSite) throw new PlatformError('hosting', `canary ${canary.id} names no Hosting site (target.hostingSite)`, false);
  return canary.target.hostingSite;
}

function channelPath(options: Options, canary: Canary, channel: Channel, own: boolean): string {
  const name = (own ? canary.target.hostingChannel : undefined) ?? options.channels?.[channel] ?? DEFAULT_CHANNELS[channel];
  return `sites/${siteOf(canary)}/channels/${name}`;
}

/** The channel's releases, newest first (the API's order); [0] is what the channel serves. */
async function listReleases(hosting: Hosting, parent: string): Promise<Release[]> {
  const res = await hosting.sites.channels.releases.list({ parent, pageSize: 25 });
  return res.data.releases ?? [];
}

/**
 * The version to restore: the one CI recorded as previous (when rolling back to the direct
 * predecessor), else a release whose message is the good release's name (`firebase deploy -m
 * <release>`), else, for the direct predecessor, the newest version the channel served before the
 * current one. Never a guess beyond that: a wrong version would be worse than a failed step.
 */
function targetVersion(ctx: RollbackContext, releases: Release[]): string {
  const direct = ctx.rollbackTo === ctx.canary.previousRelease;
  if (direct && ctx.canary.target.previousHostingVersion) return ctx.canary.target.previousHostingVersion;
  const named = releases.find((r) => r.message === ctx.rollbackTo && r.version?.name);
  if (named?.version?.name) return named.version.name;
  // Releases this very rollback made are left out, so a retry computes the same target as the first try.
  const others = releases.filter((r) => !r.message?.startsWith(`rollback ${ctx.rollbackId}:`));
  const current = others[0]?.version?.name;
  const before = direct ? others.find((r) => r.version?.name && r.version.name !== current) : undefined;
  if (before?.version?.name) return before.version.name;
  throw new PlatformError('hosting', `no Hosting version known for ${ctx.rollbackTo} (set target.previousHostingVersion or deploy with -m <release>)`, false);
}

/**
 * Web rollback: a new release of the good version on the affected channel. Every create makes a
 * new release, so the channel is read first and nothing is created when it already serves the
 * target (a retry after a lost response, D5).
 */
export function createHostingRollbackStep(options: Options): RollbackStep {
  return {
    name: 'hosting_release',
    describe(ctx) {
      return `POST /v1beta1/${channelPath(options, ctx.canary, ctx.canary.rollout.channel, true)}/releases (version of ${ctx.rollbackTo})`;
    },
    async execute(ctx): Promise<ActionOutcome> {
      const parent = channelPath(options, ctx.canary, ctx.canary.rollout.channel, true);
      try {
        const hosting = await options.hosting();
        const releases = await listReleases(hosting, parent);
        const versionName = targetVersion(ctx, releases);
        if (releases[0]?.version?.name === versionName) return { status: 'already_done', detail: `${parent} already serves ${versionName}` };
        await hosting.sites.channels.releases.create({
          parent,
          versionName,
          requestBody: { message: `rollback ${ctx.rollbackId}: ${ctx.version} -> ${ctx.rollbackTo}` },
        });
        return { status: 'done', detail: `${parent} released ${versionName} (${ctx.rollbackTo})` };
      } catch (err) {
        throw toGooglePlatformError(err, 'hosting', options.clock, `releasing on ${parent}`);
      }
    },
  };
}

/** Web promotion: release the version the `from` channel serves on the `to` channel (stable = live). */
export async function promoteHostingRelease(options: Options, canary: Canary, from: PromotionStep, to: PromotionStep): Promise<ActionOutcome> {
  const source = channelPath(options, canary, from.channel, from.channel === canary.channel);
  const parent = channelPath(options, canary, to.channel, false);
  if (source === parent) return { status: 'skipped', detail: `${parent}: Hosting has no traffic split; ${to.rolloutPercent}% is client-side` };
  try {
    const hosting = await options.hosting();
    const [fromReleases, toReleases] = await Promise.all([listReleases(hosting, source), listReleases(hosting, parent)]);
    const versionName = fromReleases[0]?.version?.name;
    if (!versionName) throw new PlatformError('hosting', `${source} serves no version to promote`, false, 404);
    if (toReleases[0]?.version?.name === versionName) return { status: 'already_done', detail: `${parent} already serves ${versionName}` };
    await hosting.sites.channels.releases.create({ parent, versionName, requestBody: { message: canary.release } });
    return { status: 'done', detail: `${parent} released ${versionName} (${canary.release})` };
  } catch (err) {
    throw toGooglePlatformError(err, 'hosting', options.clock, `promoting to ${parent}`);
  }
}
