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

/** Link 0 of a shard keeps the id it always had; the links that take its overflow are `_1`, `_2`, ... */
export function minuteRef(db: Firestore, platform: Platform, release: string, minute: number, shard: number, link = 0): DocumentReference {
  return minutesOf(db, platform, release).doc(link === 0 ? `${minute}_${shard}` : `${minute}_${shard}_${link}`);
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

/**
 * An install entry as stored: one string, `r,e,s,c,n`, then `;<batchHash>,<accepted>,<dropped>,<sampleRate>`
 * per dedup marker. One value instead of a map of about ten: the Firestore SDK validates and
 * encodes every value of a commit one by one, and the entries were most of a commit's values
 * (bench:ingest); the string is also about a third of the map's stored size. Entries written as
 * maps by earlier builds are read as before.
 */
export function encodeEntry(entry: InstallEntry): string {
  let text = `${entry.r},${entry.e},${entry.s},${entry.c},${entry.n}`;
  for (const batch in entry.a) text += `;${batch},${entry.a[batch]!.join(',')}`;
  return text;
}

const storedNumber = (text: string): number => (/^\d+(\.\d+)?(e-?\d+)?$/.test(text) ? Number(text) : NaN);

/** A stored entry (string or the earlier map), or null when it is neither. */
export function decodeEntry(value: unknown): InstallEntry | null {
  if (typeof value !== 'string') {
    const parsed = InstallEntrySchema.safeParse(value);
    return parsed.success ? parsed.data : null;
  }
  const [head, ...markers] = value.split(';');
  const counts = head!.split(',').map(storedNumber);
  if (counts.length !== 5 || counts.some(Number.isNaN)) return null;
  const a: Record<string, number[]> = {};
  for (const marker of markers) {
    const [batch, ...answer] = marker.split(',');
    const numbers = answer.map(storedNumber);
    if (!batch || numbers.length !== 3 || numbers.some(Number.isNaN)) return null;
    a[batch] = numbers;
  }
  const [r, e, s, c, n] = counts as [number, number, number, number, number];
  return { r, e, s, c, n, a };
}

const StoredEntry = z.unknown().transform((value, ctx) => {
  const entry = decodeEntry(value);
  if (entry) return entry;
  ctx.addIssue({ code: 'custom', message: 'not an install entry' });
  return z.NEVER;
});

export const MinuteDocSchema = z.object({
  platform: z.string(),
  release: z.string(),
  minute: z.number(),
  shard: z.number(),
  t: TotalsSchema.default(TotalsSchema.parse({})),
  l: z.record(z.string().regex(/^b\d{1,2}$/), n).default({}),
  i: z.record(z.string(), StoredEntry).default({}),
});
