import type { firebasehosting_v1beta1 } from 'googleapis/build/src/apis/firebasehosting';
import type { Canary } from '../../core/canary';
import type { Channel } from '../../core/types';
import type { Clock } from '../../ports/clock';
import { PlatformError, type ActionOutcome, type PromotionStep, type ReadinessCheck, type RollbackContext, type RollbackStep } from '../../ports/platform';
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
    readiness: (canary, rollbackTo) => hostingReadiness(options, canary, rollbackTo),
  };
}

const statusOf = (err: unknown) => (err as { response?: { status?: number }; status?: number } | null)?.response?.status ?? (err as { status?: number } | null)?.status;
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Reads only: the channel exists, the version the rollback would release is known and FINALIZED.
 * Whether the service account may create a release (firebasehosting.sites.update) is not
 * provable through the Hosting API (it has no testIamPermissions; Resource Manager's is not
 * called), so that check is reported as unproven, never as ok.
 */
async function hostingReadiness(options: Options, canary: Canary, rollbackTo: string | null): Promise<ReadinessCheck[]> {
  const step = 'hosting_release' as const;
  let parent: string;
  try {
    parent = channelPath(options, canary, canary.rollout.channel, true);
  } catch (err) {
    return [{ step, check: 'site', outcome: 'failed', detail: messageOf(err), missing: 'target.hostingSite' }];
  }
  const checks: ReadinessCheck[] = [];
  try {
    const hosting = await options.hosting();
    try {
      await hosting.sites.channels.get({ name: parent });
      checks.push({ step, check: 'channel', outcome: 'ok', detail: `${parent} exists` });
    } catch (err) {
      const status = statusOf(err);
      checks.push(
        status === 404
          ? { step, check: 'channel', outcome: 'failed', detail: `${parent} does not exist`, missing: `Hosting channel ${parent}` }
          : status === 403 || status === 401
            ? { step, check: 'channel', outcome: 'failed', detail: `reading ${parent} was refused (${status})`, missing: 'firebasehosting.sites.get (Firebase Hosting Viewer or Admin)' }
            : { step, check: 'channel', outcome: 'failed', detail: `reading ${parent} failed: ${status ?? 'network'} ${messageOf(err)}` },
      );
      return checks;
    }
    if (rollbackTo) checks.push(await versionCheck(hosting, parent, canary, rollbackTo));
  } catch (err) {
    return [...checks, { step, check: 'Hosting', outcome: 'failed', detail: messageOf(err) }];
  }
  checks.push({
    step,
    check: 'release permission',
    outcome: 'unproven',
    detail: 'creating a release needs firebasehosting.sites.update (Firebase Hosting Admin); the Hosting API cannot test it without releasing',
  });
  return checks;
}

async function versionCheck(hosting: Hosting, parent: string, canary: Canary, rollbackTo: string): Promise<ReadinessCheck> {
  const step = 'hosting_release' as const;
  let versionName: string;
  try {
    const releases = await listReleases(hosting, parent);
    versionName = targetVersion({ canary, rollbackId: 'readiness', version: canary.release, rollbackTo, reason: '', timestamp: 0 }, releases);
  } catch (err) {
    return { step, check: 'previous version', outcome: 'failed', detail: messageOf(err), missing: `a Hosting version of ${rollbackTo}` };
  }
  try {
    const { data } = await hosting.sites.versions.get({ name: versionName });
    if (data.status && data.status !== 'FINALIZED') {
      return { step, check: 'previous version', outcome: 'failed', detail: `${versionName} is ${data.status}, not FINALIZED`, missing: `a FINALIZED Hosting version of ${rollbackTo}` };
    }
    return { step, check: 'previous version', outcome: 'ok', detail: `${versionName} (${rollbackTo}) is ${data.status ?? 'present'}` };
  } catch (err) {
    const status = statusOf(err);
    return status === 404
      ? { step, check: 'previous version', outcome: 'failed', detail: `${versionName} does not exist`, missing: `Hosting version ${versionName}` }
      : { step, check: 'previous version', outcome: 'failed', detail: `reading ${versionName} failed: ${status ?? 'network'} ${messageOf(err)}` };
  }
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
