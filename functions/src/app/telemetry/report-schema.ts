import { z } from 'zod';
import { LATENCY_BUCKET_COUNT } from '../../core/latency-buckets';
import { PLATFORMS, CHANNELS } from '../../core/types';

/** The wire format of shared/spec/telemetry-format.md, to the letter. */

const Id = z.string({ error: 'must be a string' }).regex(/^[A-Za-z0-9_-]{8,64}$/, { error: '8-64 characters of A-Z a-z 0-9 _ -' });
const RFC3339_UTC = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]00:00)$/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Recent answers of minuteOf: every install sends the same few minutes, and each window's start is read three times (schema, duplicates, prepare). */
const recentMinutes = new Map<string, number | null>();

/** Milliseconds of an RFC 3339 UTC time on a minute boundary, or null. */
export function minuteOf(text: string): number | null {
  const hit = recentMinutes.get(text);
  if (hit !== undefined) return hit;
  const ms = parseMinute(text);
  if (recentMinutes.size >= 64) recentMinutes.clear();
  recentMinutes.set(text, ms);
  return ms;
}

function parseMinute(text: string): number | null {
  const m = RFC3339_UTC.exec(text);
  if (!m) return null;
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}Z`);
  // Date.parse rolls 2026-02-30 over to March: insist the fields round-trip.
  if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 19) !== `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`) return null;
  return ms % 60_000 === 0 ? ms : null;
}

const Count = (max: number) => z.number({ error: 'must be a number' }).int({ error: 'must be an integer' }).min(0, { error: 'must be >= 0' }).max(max, { error: `must be <= ${max}` });

const Window = z
  .strictObject({
    start: z.string({ error: 'must be a string' }).refine((s) => minuteOf(s) !== null, { error: 'an RFC 3339 UTC time on a minute boundary, e.g. 2026-11-29T07:05:00Z' }),
    requests: Count(100_000),
    errors: Count(100_000),
    clientErrors: Count(100_000).optional(),
    successes: Count(100_000).optional(),
    sessions: Count(1000).optional(),
    crashes: Count(1000).optional(),
    latencyMs: z.strictObject({ counts: z.record(z.string(), Count(100_000)) }).optional(),
  })
  .superRefine((w, ctx) => {
    if (w.errors > w.requests) ctx.addIssue({ code: 'custom', path: ['errors'], message: 'must be <= requests' });
    if (w.clientErrors !== undefined && w.clientErrors > w.requests - w.errors) ctx.addIssue({ code: 'custom', path: ['clientErrors'], message: 'must be <= requests - errors' });
    if (w.successes !== undefined && w.successes > w.requests) ctx.addIssue({ code: 'custom', path: ['successes'], message: 'must be <= requests' });
    if (w.crashes !== undefined && w.crashes > (w.sessions ?? 0)) ctx.addIssue({ code: 'custom', path: ['crashes'], message: 'must be <= sessions' });
    if (w.latencyMs) {
      let total = 0;
      for (const [bucket, n] of Object.entries(w.latencyMs.counts)) {
        if (!/^(0|[1-9][0-9]?)$/.test(bucket) || Number(bucket) >= LATENCY_BUCKET_COUNT) {
          ctx.addIssue({ code: 'custom', path: ['latencyMs', 'counts', bucket], message: `a bucket index 0..${LATENCY_BUCKET_COUNT - 1}` });
          return;
        }
        total += n;
      }
      if (total > w.requests) ctx.addIssue({ code: 'custom', path: ['latencyMs', 'counts'], message: 'the counts add up to more than requests' });
    }
  });

export const TelemetryBody = z
  .strictObject({
    key: z.string({ error: 'must be a string' }).min(1).max(200).optional(),
    batchId: Id,
    installId: Id,
    platform: z.enum(PLATFORMS, { error: `one of ${PLATFORMS.join(', ')}` }),
    release: z
      .string({ error: 'must be a string' })
      .refine((s) => !LONE_SURROGATE.test(s), { error: 'must be valid Unicode' })
      .refine((s) => [...s].length >= 1 && [...s].length <= 64, { error: '1-64 characters' })
      .refine((s) => !s.includes('/'), { error: 'must not contain "/"' }),
    channel: z.enum(CHANNELS, { error: `one of ${CHANNELS.join(', ')}` }),
    windows: z.array(Window, { error: 'must be an array' }).min(1, { error: '1-10 windows' }).max(10, { error: '1-10 windows' }),
  })
  .superRefine((b, ctx) => {
    const seen = new Set<number>();
    b.windows.forEach((w, i) => {
      const ms = minuteOf(w.start)!;
      if (seen.has(ms)) ctx.addIssue({ code: 'custom', path: ['windows', i, 'start'], message: 'two windows with the same start' });
      seen.add(ms);
    });
  });

export type TelemetryReport = z.infer<typeof TelemetryBody>;

/** `windows[0].errors` from ['windows', 0, 'errors']. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, seg) => (typeof seg === 'number' ? `${out}[${seg}]` : out ? `${out}.${String(seg)}` : String(seg)), '');
}

/** The spec's 400 body: what is wrong and where (the first problem found). */
export function firstProblem(error: z.ZodError): { error: string; path: string } {
  const issue = error.issues[0]!;
  if (issue.code === 'unrecognized_keys') return { error: 'unknown field', path: fieldPath([...issue.path, issue.keys[0]!]) };
  return { error: issue.message, path: fieldPath(issue.path) };
}
