import type { Channel } from './types';

/**
 * Cohort assignment for the web router: a visitor's random id is hashed to one of BUCKETS buckets,
 * and the buckets are laid out by the current shares, alpha first, then beta, the rest stable.
 * The same id under the same shares always lands in the same cohort (nothing here reads a clock or
 * a random source). Alpha sits at the bottom so that, when a release is promoted alpha -> beta
 * (alpha share 0, beta 25), the users who were on it stay on it: [0, 10%) is inside [0, 25%).
 */
export const BUCKETS = 10_000;

/** Live share of a canary channel, as the router serves it. */
export interface ChannelShare {
  /** The release the channel's live canary carries (injected into the shell's meta). */
  release: string;
  /** 0..100; 0 while the canary is paused (opted-in testers still reach it). */
  percent: number;
}

/**
 * The split of a site's visitors: each canary channel with a live canary, and the release the
 * live site serves when known. A channel without an entry has no canary to show (none registered,
 * or held by a rollback): nobody is sent there, not even testers who opted in.
 */
export interface CohortShares {
  alpha?: ChannelShare;
  beta?: ChannelShare;
  stableRelease?: string;
}

/** What a visitor asked for with `?canary=`: a channel to opt in to, or `off` (stable, always). */
export type OptIn = 'alpha' | 'beta' | 'off';

const OPT_INS: readonly string[] = ['alpha', 'beta', 'off'];

export function parseOptIn(value: unknown): OptIn | undefined {
  return typeof value === 'string' && OPT_INS.includes(value) ? (value as OptIn) : undefined;
}

/**
 * The visitor's bucket: FNV-1a over the id, then the murmur3 finaliser so every input bit moves
 * the low bits the modulo keeps (FNV alone mixes the last characters poorly). 2^32 mod 10,000 is
 * 7,296: the first buckets are favoured by 1 part in 430,000, far below the split's noise.
 */
export function bucketOf(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % BUCKETS;
}

const bucketsOf = (percent: number) => Math.round((Math.min(100, Math.max(0, Number.isFinite(percent) ? percent : 0)) * BUCKETS) / 100);

/**
 * The channel a visitor sees. Bots always get stable (search engines index the release everyone
 * gets); `off` is stable; an opt-in reaches its channel while that channel has a canary; otherwise
 * the bucket decides: [0, alpha) alpha, [alpha, alpha + beta) beta, the rest stable.
 */
export function assignCohort(bucket: number, shares: CohortShares, optIn: OptIn | undefined, isBot: boolean): Channel {
  if (isBot || optIn === 'off') return 'stable';
  if (optIn === 'alpha' && shares.alpha) return 'alpha';
  if (optIn === 'beta' && shares.beta) return 'beta';
  const alpha = shares.alpha ? bucketsOf(shares.alpha.percent) : 0;
  const beta = shares.beta ? Math.min(bucketsOf(shares.beta.percent), BUCKETS - alpha) : 0;
  if (bucket < alpha) return 'alpha';
  if (bucket < alpha + beta) return 'beta';
  return 'stable';
}

/**
 * Crawlers and link unfurlers by their User-Agent: they stay on stable. A list, not a heuristic on
 * "headless": automated tests and real users of headless browsers are visitors like any other.
 */
const BOT = /bot\b|bot\/|crawler|spider|slurp|facebookexternalhit|facebookcatalog|embedly|quora link preview|pinterest|vkshare|whatsapp|telegrambot|slackbot|discordbot|skypeuripreview|bitlybot|chrome-lighthouse|google-inspectiontool|googleother|mediapartners-google|adsbot-google|feedfetcher|apis-google|yandex|baiduspider|petalbot|bytespider|gptbot|ccbot|claudebot|perplexitybot|amazonbot|applebot|duckduckbot|bingpreview|semrush|ahrefs|mj12bot|dotbot|archive\.org_bot|ia_archiver/i;

export function isKnownBot(userAgent: string | undefined): boolean {
  // An absent User-Agent is a script, not a person: stable as well.
  if (!userAgent) return true;
  return BOT.test(userAgent.slice(0, 512));
}
