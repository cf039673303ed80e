import { rollingMttr, type RollingMttr } from '../../core/mttr';
import type { Channel, Platform } from '../../core/types';
import type { IncidentStore } from '../../ports';

const DAY = 86_400_000;
/** The store's page size; a channel with more incidents in the window says so (`truncated`). */
const PAGE = 200;

export interface RollingMttrQuery {
  days: number;
  platform?: Platform;
  channel?: Channel;
}

export interface RollingMttrAnswer {
  from: number;
  to: number;
  days: number;
  channels: RollingMttr[];
  /** Channels with more incidents in the window than were read: their figures cover the newest ones only. */
  truncated: string[];
}

/** GET /incidents/mttr: each platform's channels' MTTR over the last `days` days, against their targets. */
export async function readRollingMttr(store: IncidentStore, query: RollingMttrQuery, now: number): Promise<RollingMttrAnswer> {
  const from = now - query.days * DAY;
  const channels: Channel[] = query.channel ? [query.channel] : ['alpha', 'beta', 'stable'];
  const truncated: string[] = [];
  const lists = await Promise.all(
    channels.map(async (channel) => {
      const reports = await store.list({ channel, since: from, limit: PAGE });
      if (reports.length >= PAGE) truncated.push(channel);
      return reports;
    }),
  );
  const samples = lists
    .flat()
    .filter((r) => !query.platform || r.platform === query.platform)
    .map((r) => ({ platform: r.platform, channel: r.channel, decidedAt: r.timeline.decided.at ?? r.createdAt, minutes: r.mttr.minutes, targetMinutes: r.mttr.targetMinutes, met: r.mttr.met }));
  return { from, to: now, days: query.days, channels: rollingMttr(samples, from, now), truncated };
}
