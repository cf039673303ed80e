import type { Tally } from './windows';

/**
 * Wraps `fetch` and `XMLHttpRequest` so calls to the counted origins are tallied. The original call
 * runs first and untouched (same arguments, same `this`, same promise returned to the app); the
 * bookkeeping around it is a URL check and a `performance.now()`, and anything that goes wrong in it
 * is swallowed. A call the app aborted is not counted: the app chose to drop it.
 */
export function instrument(counted: (url: string) => boolean, tally: (t: Tally) => void): void {
  const done = (status: number, t0: number) => {
    const latency = performance.now() - t0;
    if (status === 0) tally({ requests: 1, errors: 1 });
    else tally({ requests: 1, errors: status >= 500 ? 1 : 0, clientErrors: status >= 400 && status < 500 ? 1 : 0, latency });
  };

  const originalFetch = window.fetch;
  if (originalFetch) {
    window.fetch = function (this: unknown, input: RequestInfo | URL) {
      // eslint-disable-next-line prefer-rest-params
      const p = originalFetch.apply(this, arguments as unknown as Parameters<typeof fetch>);
      try {
        if (counted(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)) {
          const t0 = performance.now();
          p.then(
            (res) => done(res.status, t0),
            (e: unknown) => (e as Error)?.name !== 'AbortError' && done(0, t0),
          );
        }
      } catch {
        // Bookkeeping only: the app's call already went out.
      }
      return p;
    } as typeof fetch;
  }

  const X = window.XMLHttpRequest?.prototype;
  if (!X) return;
  const open = X.open;
  const send = X.send;
  const urls = new WeakMap<XMLHttpRequest, boolean>();
  X.open = function (this: XMLHttpRequest, _method: string, url: string | URL) {
    try {
      urls.set(this, counted(String(url)));
    } catch {
      urls.delete(this);
    }
    // eslint-disable-next-line prefer-rest-params
    return open.apply(this, arguments as unknown as Parameters<typeof open>);
  } as typeof open;
  X.send = function (this: XMLHttpRequest) {
    try {
      if (urls.get(this)) {
        const t0 = performance.now();
        let aborted = false;
        this.addEventListener('abort', () => (aborted = true));
        // loadend follows load, error, timeout and abort; status is 0 for an error or a timeout.
        this.addEventListener('loadend', () => aborted || done(this.status, t0));
      }
    } catch {
      // Bookkeeping only.
    }
    // eslint-disable-next-line prefer-rest-params
    return send.apply(this, arguments as unknown as Parameters<typeof send>);
  };
}
