import type { NetLike } from './surface';
import type { StoredBatch } from './state';
import type { WireBatch } from './wire';

/** What to do with a batch after one attempt. */
export type SendOutcome =
  | { kind: 'done'; sampleRate: number | null }
  /** Keep it and try again, not before `afterMs` when the server said so (Retry-After). */
  | { kind: 'retry'; afterMs: number | null; reason: string }
  /** The server will never take it (invalid, unknown key, not allowed): keeping it would retry forever. */
  | { kind: 'drop'; reason: string };

const SEND_TIMEOUT_MS = 15_000;

function retryAfterMs(header: string | null): number | null {
  const s = header === null ? NaN : Number(header);
  return Number.isFinite(s) && s >= 0 ? Math.min(s, 3600) * 1000 : null;
}

/** The answer's error text, short and printable: it comes from the network. */
async function reasonOf(res: { status: number; text(): Promise<string> }): Promise<string> {
  let text = '';
  try {
    text = await res.text();
    const parsed = JSON.parse(text) as { error?: unknown; path?: unknown };
    text = [parsed.error, parsed.path].filter((x) => typeof x === 'string' && x !== '').join(' at ');
  } catch {
    // not JSON: the raw text, cut below
  }
  return `HTTP ${res.status}${text ? `: ${text.replace(/[^\x20-\x7e]/g, '?').slice(0, 200)}` : ''}`;
}

/** One POST of one batch with `net.fetch`; never throws. */
export async function sendBatch(net: NetLike, endpoint: string, body: WireBatch): Promise<SendOutcome> {
  let res;
  try {
    res = await net.fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
  } catch (err) {
    return { kind: 'retry', afterMs: null, reason: `network: ${err instanceof Error ? err.message : String(err)}`.slice(0, 200) };
  }
  const { status } = res;
  if (status === 200 || status === 202) {
    let sampleRate: number | null = null;
    try {
      const answer = JSON.parse(await res.text()) as { sampleRate?: unknown };
      if (typeof answer.sampleRate === 'number' && answer.sampleRate > 0 && answer.sampleRate <= 1) sampleRate = answer.sampleRate;
    } catch {
      // Recorded all the same: a body we cannot read changes nothing but the sample rate.
    }
    return { kind: 'done', sampleRate };
  }
  const reason = await reasonOf(res);
  if (status === 408 || status === 429 || status >= 500) return { kind: 'retry', afterMs: retryAfterMs(res.headers.get('retry-after')), reason };
  return { kind: 'drop', reason };
}

/** The wire body of a stored batch. */
export function wireBody(batch: StoredBatch, key: string, installId: string): WireBatch {
  return { key, batchId: batch.batchId, installId, platform: 'desktop', release: batch.release, channel: batch.channel, windows: batch.windows };
}
