import type { Firestore, DocumentReference } from 'firebase-admin/firestore';
import { z } from 'zod';
import type { Platform } from '../../core/types';

/** Paths and document shapes of the telemetry collections (docs/data-model.md, "Telemetry"). */

export const TELEMETRY_KEYS = 'telemetry_keys';
export const TELEMETRY_USAGE = 'telemetry_usage';
export const TELEMETRY_RELEASES = 'telemetry_releases';
export const TELEMETRY_MINUTES = 'telemetry_minutes';

/** Default number of documents one release's minute is split over. */
export const DEFAULT_SHARDS = 4;
/** Default retention of the aggregates (TTL on expireAt). */
export const DEFAULT_RETENTION_MS = 14 * 24 * 3600_000;

/** `{platform}__{encodeURIComponent(release)}`: any release without "/" becomes a legal document id. */
export function releaseDocId(platform: Platform, release: string): string {
  return `${platform}__${encodeURIComponent(release)}`;
}

export function minutesOf(db: Firestore, platform: Platform, release: string) {
  return db.collection(TELEMETRY_RELEASES).doc(releaseDocId(platform, release)).collection(TELEMETRY_MINUTES);
}

/** Every report of one install lands in the same shard, so its caps and markers are in one place. */
export function shardOf(installHash: string, shards: number): number {
  return parseInt(installHash.slice(1, 9), 16) % shards;
}

export function minuteRef(db: Firestore, platform: Platform, release: string, minute: number, shard: number): DocumentReference {
  return minutesOf(db, platform, release).doc(`${minute}_${shard}`);
}

const n = z.number().finite().min(0);
export const TotalsSchema = z.object({
  requests: n.default(0),
  errors: n.default(0),
  clientErrors: n.default(0),
  successes: n.default(0),
  sessions: n.default(0),
  crashes: n.default(0),
  windows: n.default(0),
  cappedWindows: n.default(0),
});
export type Totals = z.infer<typeof TotalsSchema>;

export const InstallEntrySchema = z.object({
  r: n.default(0),
  e: n.default(0),
  s: n.default(0),
  c: n.default(0),
  n: n.default(0),
  a: z.record(z.string(), z.array(z.number())).default({}),
});
export type InstallEntry = z.infer<typeof InstallEntrySchema>;

/**
 * A copy a commit may change without touching the one it was read from (`a` gains keys, its
 * arrays are never changed in place). By hand: structuredClone and a zod parse per install were
 * a measurable share of a commit's CPU.
 */
export function copyEntry(entry: InstallEntry | null | undefined): InstallEntry {
  return entry ? { r: entry.r, e: entry.e, s: entry.s, c: entry.c, n: entry.n, a: { ...entry.a } } : { r: 0, e: 0, s: 0, c: 0, n: 0, a: {} };
}

export const MinuteDocSchema = z.object({
  platform: z.string(),
  release: z.string(),
  minute: z.number(),
  shard: z.number(),
  t: TotalsSchema.default(TotalsSchema.parse({})),
  l: z.record(z.string().regex(/^b\d{1,2}$/), n).default({}),
  i: z.record(z.string(), InstallEntrySchema).default({}),
});
