import type { Batch, TelemetryStore } from './store';

export interface SendOptions {
  /** `${api}/v1/telemetry?key=...`: the key rides in the URL so a preflight (App Check header) can name it. */
  url: string;
  store: TelemetryStore;
  fetch: typeof fetch;
  getAppCheckToken?: () => Promise<string>;
  now: () => number;
}

/** Answers after which sending the same bytes again can never succeed: the batch is dropped. */
const FINAL = [400, 401, 403, 413];

/**
 * Sends every kept batch, oldest first, and settles each by the answer: 202 and 200 (already
 * recorded) remove it and teach the sampleRate; a final refusal removes it; 429, 5xx or no answer
 * keep it for the next round with the same batchId (the server counts a batch once). On the way out
 * (`beacon`) `sendBeacon` queues it without an answer: it stays kept and the next send confirms it
 * (answered 200). App Check needs a header, which a beacon cannot carry: then `fetch` with keepalive.
 */
export function createSender(o: SendOptions) {
  let busy: Promise<void> | undefined;
  const beaconed = new Set<string>();
  const bodyOf = (b: Batch) => JSON.stringify({ batchId: b.batchId, installId: o.store.installId, platform: 'web', release: b.release, channel: b.channel, windows: b.windows });

  async function post(b: Batch): Promise<boolean> {
    const headers: Record<string, string> = {};
    if (o.getAppCheckToken) headers['X-Firebase-AppCheck'] = await o.getAppCheckToken();
    const res = await o.fetch(o.url, { method: 'POST', body: bodyOf(b), headers, keepalive: true, credentials: 'omit' });
    if (res.status === 200 || res.status === 202) o.store.learnRate(o.now(), b.release, ((await res.json().catch(() => ({}))) as { sampleRate?: unknown }).sampleRate);
    else if (!FINAL.includes(res.status)) return false;
    o.store.remove(o.now(), b.batchId);
    return true;
  }

  return {
    send(beacon: boolean): Promise<void> {
      if (beacon && !o.getAppCheckToken && typeof navigator.sendBeacon === 'function') {
        let queued = true;
        for (const b of o.store.batches(o.now())) if (!beaconed.has(b.batchId)) queued &&= navigator.sendBeacon(o.url, bodyOf(b)) && !!beaconed.add(b.batchId);
        // A refused beacon (over the browser's in-flight limit): fetch with keepalive is the other way out.
        if (queued) return Promise.resolve();
      }
      // One round at a time: two rounds would send the same batch twice at once.
      return (busy ??= (async () => {
        try {
          for (const b of o.store.batches(o.now())) if (!(await post(b))) break;
        } catch {
          // No answer (offline, blocked, App Check failed): everything unsent stays kept.
        } finally {
          busy = undefined;
        }
      })());
    },
  };
}
