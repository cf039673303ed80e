import type { ShellFetch, ShellSource } from '../../ports/shell-source';

export interface ShellFetchOptions {
  /** A visitor waits on this fetch when the cache is cold: past it the router falls back. */
  timeoutMs?: number;
  /** A shell is a few KB; anything this large is not one. */
  maxBytes?: number;
  fetch?: typeof fetch;
}

/**
 * Shells over HTTP (the Hosting channels' URLs). Only a 200 with an HTML content type counts: a
 * channel's 404 page or an error page must never be served as the app.
 */
export function createHttpShellSource(options: ShellFetchOptions = {}): ShellSource {
  const timeoutMs = options.timeoutMs ?? 4_000;
  const maxBytes = options.maxBytes ?? 2_000_000;
  const doFetch = options.fetch ?? fetch;
  return {
    async fetchShell(url): Promise<ShellFetch> {
      try {
        const res = await doFetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'text/html' } });
        if (res.status !== 200) {
          await res.body?.cancel();
          return { ok: false, error: `GET ${url}: HTTP ${res.status}` };
        }
        const type = res.headers.get('content-type') ?? '';
        if (!/^text\/html\b/i.test(type)) {
          await res.body?.cancel();
          return { ok: false, error: `GET ${url}: ${type || 'no content type'}, not text/html` };
        }
        const length = Number(res.headers.get('content-length') ?? '0');
        if (length > maxBytes) {
          await res.body?.cancel();
          return { ok: false, error: `GET ${url}: ${length} bytes, more than ${maxBytes}` };
        }
        const html = await res.text();
        if (html.length > maxBytes) return { ok: false, error: `GET ${url}: more than ${maxBytes} bytes` };
        return { ok: true, html };
      } catch (err) {
        const name = (err as Error)?.name;
        return { ok: false, error: `GET ${url}: ${name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : String((err as Error)?.message ?? err)}` };
      }
    },
  };
}
