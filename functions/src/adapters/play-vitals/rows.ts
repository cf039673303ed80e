import { z } from 'zod';

/**
 * Play Developer Reporting rows in the project's terms. Vendor JSON is validated here: a row that
 * does not parse is skipped (and counted), never turned into a number the evaluator would judge.
 */

const dateTime = z.object({
  year: z.number().int(),
  month: z.number().int().min(1).max(12),
  day: z.number().int().min(1).max(31),
  hours: z.number().int().min(0).max(24).nullish(),
  timeZone: z.object({ id: z.string().nullish() }).nullish(),
  utcOffset: z.string().nullish(),
});
export type PlayDateTime = z.infer<typeof dateTime>;

const decimal = z.object({ value: z.string().nullish() }).nullish();

const row = z.object({
  startTime: dateTime,
  dimensions: z.array(z.object({ dimension: z.string().nullish(), int64Value: z.string().nullish(), stringValue: z.string().nullish() })).nullish(),
  metrics: z.array(z.object({ metric: z.string().nullish(), decimalValue: decimal })).nullish(),
});

/** One hour of one version code. `rate` is a fraction of `users` (0..1). */
export interface HourRow {
  hourStart: number;
  versionCode: string;
  rate: number;
  users: number;
}

/** Hourly data is in UTC (the API's only HOURLY zone); anything else is refused, not shifted. */
export function toMs(t: PlayDateTime): number | null {
  const zone = t.timeZone?.id;
  if (zone && zone !== 'UTC' && zone !== 'Etc/UTC') return null;
  if (t.utcOffset && !/^0*s?$/.test(t.utcOffset)) return null;
  return Date.UTC(t.year, t.month - 1, t.day, t.hours ?? 0);
}

export function toDateTime(ms: number): PlayDateTime {
  const d = new Date(ms);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hours: d.getUTCHours(), timeZone: { id: 'UTC' } };
}

function decimalOf(metrics: z.infer<typeof row>['metrics'], name: string): number | null {
  const raw = metrics?.find((m) => m.metric === name)?.decimalValue?.value;
  if (raw === undefined || raw === null) return null;
  const n = raw === '' ? 0 : Number(raw);
  return Number.isFinite(n) ? n : null;
}

/**
 * Parses query rows. The reference calls crashRate / anrRate a "percentage"; the API returns them
 * as fractions (0.0123 for 1.23 %), and a value outside [0, 1] is refused rather than rescaled.
 */
export function parseRows(raw: unknown, rateMetric: string): { rows: HourRow[]; rejected: number } {
  const list = Array.isArray(raw) ? raw : [];
  const rows: HourRow[] = [];
  let rejected = 0;
  for (const item of list) {
    const parsed = row.safeParse(item);
    const hourStart = parsed.success ? toMs(parsed.data.startTime) : null;
    const code = parsed.success ? parsed.data.dimensions?.find((d) => d.dimension === 'versionCode') : undefined;
    const versionCode = code?.int64Value ?? code?.stringValue ?? null;
    const rate = parsed.success ? decimalOf(parsed.data.metrics, rateMetric) : null;
    const users = parsed.success ? decimalOf(parsed.data.metrics, 'distinctUsers') : null;
    if (hourStart === null || !versionCode || !/^\d{1,19}$/.test(versionCode) || rate === null || users === null || rate < 0 || rate > 1 || users < 0) {
      rejected++;
      continue;
    }
    rows.push({ hourStart, versionCode, rate, users: Math.round(users) });
  }
  return { rows, rejected };
}

/** freshnessInfo's newest complete HOURLY end (exclusive), or null when Play states none. */
export function hourlyFreshness(raw: unknown): number | null {
  const parsed = z
    .object({ freshnessInfo: z.object({ freshnesses: z.array(z.object({ aggregationPeriod: z.string().nullish(), latestEndTime: dateTime.nullish() })).nullish() }).nullish() })
    .safeParse(raw);
  if (!parsed.success) return null;
  const hourly = parsed.data.freshnessInfo?.freshnesses?.find((f) => f.aggregationPeriod === 'HOURLY')?.latestEndTime;
  return hourly ? toMs(hourly) : null;
}
