import { MINUTE_MS, type TelemetryWindow } from './windows';

/** A batch as sent and as kept until the server answered it: a retry reuses its batchId. */
export interface Batch {
  batchId: string;
  release: string;
  channel: string;
  windows: TelemetryWindow[];
}

/** The server drops windows older than 15 minutes: a batch past that is not worth sending. */
const STALE_MS = 15 * MINUTE_MS;
/** A page that cannot reach the server for long keeps at most this many batches (oldest go first). */
const MAX_BATCHES = 30;
/** How long a learnt sampleRate holds before this install reports once more to learn it again. */
const RATE_TTL_MS = 24 * 60 * MINUTE_MS;

const PREFIX = 'canary-telemetry:';

/**
 * localStorage, or memory where it is missing or refused (private modes, sandboxed frames, quota):
 * telemetry then still works for the page's lifetime.
 */
function storage(): Pick<Storage, 'getItem' | 'setItem'> {
  const memory = new Map<string, string>();
  const fallback = { getItem: (k: string) => memory.get(k) ?? null, setItem: (k: string, v: string) => void memory.set(k, v) };
  let ls: Storage | undefined;
  try {
    ls = localStorage;
    ls.setItem(PREFIX + 'probe', '1');
  } catch {
    return fallback;
  }
  return {
    getItem: (k) => {
      try {
        return ls.getItem(k) ?? fallback.getItem(k);
      } catch {
        return fallback.getItem(k);
      }
    },
    setItem: (k, v) => {
      try {
        ls.setItem(k, v);
      } catch {
        fallback.setItem(k, v);
      }
    },
  };
}

function read<T>(s: ReturnType<typeof storage>, k: string): T | undefined {
  try {
    return (JSON.parse(s.getItem(k) ?? 'null') as T | null) ?? undefined;
  } catch {
    return undefined;
  }
}

/** 16 random characters of [0-9a-z]: batch and install ids (the spec's 8-64 of [A-Za-z0-9_-]). */
export function randomId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => (b % 36).toString(36)).join('');
}

/** FNV-1a (32 bit) of the install id in [0, 1): the sampling hash, stable across runs. */
export function sampleHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 2 ** 32;
}

/** The install id, the unsent batches of one key and the learnt sampleRate, kept across page loads. */
export function createStore(key: string) {
  const s = storage();
  const queueKey = PREFIX + 'queue:' + key;
  let installId = read<string>(s, PREFIX + 'install');
  if (typeof installId !== 'string' || !/^[\w-]{8,64}$/.test(installId)) s.setItem(PREFIX + 'install', JSON.stringify((installId = randomId())));
  const id = installId;

  return {
    installId: id,
    /** Unsent batches not yet stale, oldest first (re-read every time: other tabs of the app share them). */
    batches(now: number): Batch[] {
      const list = read<Batch[]>(s, queueKey);
      return Array.isArray(list) ? list.filter((b) => b && Array.isArray(b.windows) && b.windows.some((w) => now - Date.parse(w.start) < STALE_MS)) : [];
    },
    add(now: number, batch: Batch): void {
      s.setItem(queueKey, JSON.stringify([...this.batches(now), batch].slice(-MAX_BATCHES)));
    },
    remove(now: number, batchId: string): void {
      s.setItem(queueKey, JSON.stringify(this.batches(now).filter((b) => b.batchId !== batchId)));
    },
    /** Whether this install reports for the release: the server's last sampleRate against the install's hash. */
    reports(now: number, release: string): boolean {
      const r = read<{ rate: number; at: number }>(s, PREFIX + 'rate:' + release);
      return !r || !(now - r.at < RATE_TTL_MS) || !(r.rate < 1) || sampleHash(id) < r.rate;
    },
    learnRate(now: number, release: string, rate: unknown): void {
      if (typeof rate === 'number' && rate > 0 && rate <= 1) s.setItem(PREFIX + 'rate:' + release, JSON.stringify({ rate, at: now }));
    },
  };
}

export type TelemetryStore = ReturnType<typeof createStore>;
