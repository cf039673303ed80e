import { latencyBucket } from '../../core/latency-buckets';
import { mulberry32 } from '../../core/seeded-random';
import type { Histogram, SideCounts } from '../../core/types';

/** What one simulated install saw in one minute: a WINDOW of shared/spec/telemetry-format.md, without its start. */
export interface InstallMinute {
  requests: number;
  errors: number;
  successes: number;
  sessions?: number;
  crashes?: number;
  latencyMs?: { counts: Record<string, number> };
}

/** A small seeded generator (mulberry32): the same scenario plays out the same way every run. */
export const seededRandom = mulberry32;

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * A histogram of the replay format (any bounds) as latencies in the standard buckets, one entry per
 * request it counts: each bucket's requests are placed at its middle (the open top bucket a quarter
 * above its bound), which is as much as the histogram says about them.
 */
export function standardLatencies(h: Histogram): number[] {
  const out: number[] = [];
  h.counts.forEach((n, i) => {
    const low = i === 0 ? 0 : h.bounds[i - 1]!;
    const ms = i === 0 ? h.bounds[0]! / 2 : i < h.bounds.length ? (low + h.bounds[i]!) / 2 : low * 1.25;
    const bucket = latencyBucket(ms);
    for (let k = 0; k < n; k++) out.push(bucket);
  });
  return out;
}

/**
 * One side of a scenario window dealt out to `installs` installs, as the minute each of them
 * reports: requests (errors first), sessions (crashes first) and shuffled latencies are dealt round
 * robin in an order drawn anew each minute, so the installs' windows add up exactly to the side's
 * counts and every install carries its share (a regression reaches many installs, as a real one
 * does, rather than a few).
 */
export function dealSide(side: SideCounts, installs: number, random: () => number): InstallMinute[] {
  const minutes: InstallMinute[] = Array.from({ length: installs }, () => ({ requests: 0, errors: 0, successes: 0 }));
  if (installs === 0) return minutes;
  // Whose turn it is differs per minute; dealing every list in the same order keeps each install's
  // latencies within its requests and its crashes within its sessions.
  const order = shuffle(Array.from({ length: installs }, (_, i) => i), random);
  const deal = <T>(items: T[], give: (m: InstallMinute, item: T) => void) => items.forEach((item, j) => give(minutes[order[j % installs]!]!, item));

  const successes = side.successes ?? side.requests - side.errors;
  // Each request is one of: an error, a success, or neither (a slow or abandoned task).
  const outcomes: Array<'error' | 'success' | 'other'> = [];
  for (let i = 0; i < side.requests; i++) outcomes.push(i < side.errors ? 'error' : i < side.errors + successes ? 'success' : 'other');
  deal(outcomes, (m, o) => {
    m.requests++;
    if (o === 'error') m.errors++;
    if (o === 'success') m.successes++;
  });
  if (side.sessions !== undefined) {
    const sessions: boolean[] = Array.from({ length: side.sessions }, (_, i) => i < (side.crashes ?? 0));
    for (const m of minutes) m.sessions = m.crashes = 0;
    deal(sessions, (m, crashed) => {
      m.sessions! += 1;
      if (crashed) m.crashes! += 1;
    });
  }
  if (side.latencyMs) {
    deal(shuffle(standardLatencies(side.latencyMs), random), (m, bucket) => {
      const counts = (m.latencyMs ??= { counts: {} }).counts;
      counts[bucket] = (counts[bucket] ?? 0) + 1;
    });
  }
  return minutes;
}

/** The side scaled to `requests` requests at the same rates (installs moved to that release). */
export function scaleSide(side: SideCounts, requests: number): SideCounts {
  const f = side.requests > 0 ? requests / side.requests : 0;
  const scaled: SideCounts = { requests, errors: Math.min(requests, Math.round(side.errors * f)) };
  if (side.successes !== undefined) scaled.successes = Math.min(requests, Math.round(side.successes * f));
  if (side.sessions !== undefined) {
    scaled.sessions = Math.round(side.sessions * f);
    scaled.crashes = Math.min(scaled.sessions, Math.round((side.crashes ?? 0) * f));
  }
  if (side.latencyMs) {
    const counts = side.latencyMs.counts.map((n) => Math.floor(n * f));
    scaled.latencyMs = { bounds: side.latencyMs.bounds, counts };
  }
  return scaled;
}

/** Two sides of one release in one minute, added (the baseline's installs and the ones that moved back). */
export function addSides(a: SideCounts, b: SideCounts): SideCounts {
  const sum: SideCounts = { requests: a.requests + b.requests, errors: a.errors + b.errors };
  if (a.successes !== undefined || b.successes !== undefined) sum.successes = (a.successes ?? a.requests - a.errors) + (b.successes ?? b.requests - b.errors);
  if (a.sessions !== undefined || b.sessions !== undefined) {
    sum.sessions = (a.sessions ?? 0) + (b.sessions ?? 0);
    sum.crashes = (a.crashes ?? 0) + (b.crashes ?? 0);
  }
  if (a.latencyMs && b.latencyMs && a.latencyMs.bounds.join() === b.latencyMs.bounds.join()) {
    sum.latencyMs = { bounds: a.latencyMs.bounds, counts: a.latencyMs.counts.map((n, i) => n + (b.latencyMs!.counts[i] ?? 0)) };
  } else if (a.latencyMs ?? b.latencyMs) {
    sum.latencyMs = a.latencyMs ?? b.latencyMs;
  }
  return sum;
}
