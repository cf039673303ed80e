import type { PostResult } from '../../ports/notifier';

/** A hung receiver must end well inside the delivery lease (60 s), with room for the other destinations. */
export const POST_TIMEOUT_MS = 10_000;

export interface HttpPostOptions {
  /** Tests and the local runner pass their own; default: the global fetch. */
  fetch?: typeof fetch;
  timeoutMs?: number;
  now?: () => number;
}

/** Retry-After in seconds or as an HTTP date, as an absolute time; undefined when absent or unreadable. */
function retryAfter(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return now + seconds * 1000;
  const date = Date.parse(header);
  return Number.isFinite(date) ? date : undefined;
}

/**
 * POSTs a JSON body and translates the answer into the port's terms: 2xx is done; 408, 429 and
 * 5xx and network failures are worth retrying (after Retry-After when given); any other 4xx is
 * not (a revoked webhook, a malformed message). The URL never appears in an error: Slack and Chat
 * webhook URLs carry their token.
 */
export async function postJson(url: string, body: string, headers: Record<string, string>, options: HttpPostOptions = {}): Promise<PostResult> {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  let response: Response;
  try {
    response = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? POST_TIMEOUT_MS),
      redirect: 'error',
    });
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? 'timed out' : (e.cause?.code ?? e.name ?? 'network error');
    return { ok: false, retryable: true, error: `request failed: ${why}` };
  }
  // The body says why (Slack: "invalid_payload", "channel_is_archived"); bounded, it is the receiver's text.
  const text = (await response.text().catch(() => '')).slice(0, 300).replace(/[^\x20-\x7e]/g, ' ');
  if (response.ok) return { ok: true, detail: `HTTP ${response.status}` };
  const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
  const at = retryAfter(response.headers.get('retry-after'), now());
  return { ok: false, retryable, error: `HTTP ${response.status}${text ? `: ${text}` : ''}`, ...(retryable && at !== undefined ? { retryAt: at } : {}) };
}
