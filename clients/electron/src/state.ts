import { isEmpty, toWire, type OpenWindow } from './tally';
import { CHANNELS, LIMITS, ID_PATTERN, validRelease, type Channel, type WireWindow } from './wire';

/** A sealed batch: what goes on the wire (but the key, added when sent), kept until answered. */
export interface StoredBatch {
  batchId: string;
  release: string;
  channel: Channel;
  windows: WireWindow[];
}

/** The running app, as left on disk: still there at the next start means that run never quit. */
export interface RunMarker {
  release: string;
  channel: Channel;
  startedAt: number;
}

/** Everything kept in userData, written as one file so that a change to it is all or nothing. */
export interface TelemetryState {
  v: 1;
  installId: string;
  run: RunMarker | null;
  open: OpenWindow[];
  batches: StoredBatch[];
  /** The server's last sampleRate for a release this install is not sampled into, and when it said so. */
  unsampled: { release: string; rate: number; at: number } | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= LIMITS.requests;
const isChannel = (v: unknown): v is Channel => CHANNELS.includes(v as Channel);

function validOpen(v: unknown): v is OpenWindow {
  return (
    isObject(v) && validRelease(v.release) && isChannel(v.channel) && typeof v.minute === 'number' && v.minute % 60_000 === 0 &&
    ['requests', 'errors', 'clientErrors', 'sessions', 'crashes'].every((k) => isCount(v[k])) &&
    isObject(v.latency) && Object.entries(v.latency).every(([b, n]) => /^\d{1,2}$/.test(b) && isCount(n))
  );
}

function validBatch(v: unknown): v is StoredBatch {
  return (
    isObject(v) && typeof v.batchId === 'string' && ID_PATTERN.test(v.batchId) && validRelease(v.release) && isChannel(v.channel) &&
    Array.isArray(v.windows) && v.windows.length >= 1 && v.windows.length <= LIMITS.windowsPerBatch && v.windows.every(isObject)
  );
}

/**
 * The state read back from disk, keeping what is valid of it: the file is the app's own, but a
 * disk, an older version of this module or a person may have changed it, and a bad file must
 * never stop the app nor the counting.
 */
export function reviveState(raw: unknown, freshInstallId: () => string): TelemetryState {
  const o = isObject(raw) ? raw : {};
  const run = isObject(o.run) && validRelease(o.run.release) && isChannel(o.run.channel) && typeof o.run.startedAt === 'number' ? { release: o.run.release, channel: o.run.channel, startedAt: o.run.startedAt } : null;
  const u = o.unsampled;
  return {
    v: 1,
    installId: typeof o.installId === 'string' && ID_PATTERN.test(o.installId) ? o.installId : freshInstallId(),
    run,
    open: Array.isArray(o.open) ? o.open.filter(validOpen) : [],
    batches: Array.isArray(o.batches) ? o.batches.filter(validBatch) : [],
    unsampled: isObject(u) && validRelease(u.release) && typeof u.rate === 'number' && typeof u.at === 'number' ? { release: u.release, rate: u.rate, at: u.at } : null,
  };
}

const bodyBytes = (b: StoredBatch) => Buffer.byteLength(JSON.stringify({ key: 'k'.repeat(200), installId: 'i'.repeat(64), platform: 'desktop', ...b }));

/**
 * Moves the open windows of minutes before `before` into new batches (per release and channel, at
 * most 10 windows and 16 KiB each, oldest first). Empty windows are left out.
 */
export function seal(state: TelemetryState, before: number, newId: () => string): StoredBatch[] {
  const due = state.open.filter((w) => w.minute < before);
  state.open = state.open.filter((w) => w.minute >= before);
  const made: StoredBatch[] = [];
  const groups = new Map<string, OpenWindow[]>();
  for (const w of due.filter((x) => !isEmpty(x)).sort((a, b) => a.minute - b.minute)) {
    const k = `${w.channel} ${w.release}`;
    groups.set(k, [...(groups.get(k) ?? []), w]);
  }
  for (const windows of groups.values()) {
    let current: StoredBatch | null = null;
    for (const w of windows) {
      const wire = toWire(w);
      if (current && current.windows.length < LIMITS.windowsPerBatch && bodyBytes({ ...current, windows: [...current.windows, wire] }) <= LIMITS.bodyBytes) {
        current.windows.push(wire);
        continue;
      }
      current = { batchId: newId(), release: w.release, channel: w.channel, windows: [wire] };
      made.push(current);
    }
  }
  state.batches.push(...made);
  return made;
}
