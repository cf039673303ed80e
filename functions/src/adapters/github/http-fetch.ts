import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { abortReason, AnswerHeaders, decode, HttpAnswer, networkFailure } from './http-answer';

/**
 * The `fetch` Octokit is given (`request.fetch`): node:http(s) on keep-alive agents instead of
 * Node's global fetch. Undici's fetch builds a Request, a Headers list, WHATWG streams and an
 * AbortSignal chain per call: measured on this machine it costs 3-4x the CPU of node:http for a
 * small JSON answer, and a gate makes ~11 calls. Only what @octokit/request reads is provided
 * (status, url, headers, text / arrayBuffer / body); fetch's behaviours that matter to GitHub's
 * API are kept: redirects followed (Authorization dropped across origins), gzip / deflate / br
 * answers decoded, the abort signal honoured, network failures as TypeError('fetch failed') with
 * the cause. A streamed request body goes to the global fetch (Octokit's uploads; none here).
 */

const MAX_REDIRECTS = 20;
/** undici's headers / body timeouts: a GitHub that stops answering is not waited on for ever. */
const IDLE_TIMEOUT_MS = 300_000;
/** Idle keep-alive sockets are closed before a server would (undici's default keep-alive is 4 s). */
const FREE_SOCKET_MS = 4_000;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers fetch drops when a redirect leaves the origin, and those that describe a dropped body. */
const CROSS_ORIGIN_DROPPED = ['authorization', 'cookie', 'proxy-authorization'];
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];


interface FetchInit {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  redirect?: 'follow' | 'manual' | 'error';
  signal?: AbortSignal | null;
}


export interface HttpFetch {
  (input: string | URL, init?: FetchInit): Promise<HttpAnswer | Response>;
  /** Closes the idle keep-alive sockets (tests, and clients that are dropped). */
  close(): void;
}

/** One pair of keep-alive agents per client: the sockets to GitHub are reused across requests. */
export function createHttpFetch(): HttpFetch {
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, timeout: FREE_SOCKET_MS, scheduling: 'lifo' }),
    'https:': new HttpsAgent({ keepAlive: true, timeout: FREE_SOCKET_MS, scheduling: 'lifo' }),
  };

  /** One exchange; a GET on a reused keep-alive socket the server had closed is sent again once. */
  function exchange(url: URL, method: string, headers: OutgoingHttpHeaders, body: Buffer | string | undefined, signal: AbortSignal | undefined, retried = false): Promise<{ res: IncomingMessage; bytes: Buffer }> {
    return new Promise((resolve, reject) => {
      const isHttps = url.protocol === 'https:';
      if (!isHttps && url.protocol !== 'http:') return reject(networkFailure(new Error(`unsupported protocol ${url.protocol}`)));
      let settled = false;
      let req: ClientRequest | undefined;
      const finish = (err: unknown, value?: { res: IncomingMessage; bytes: Buffer }) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        if (err === undefined && value) resolve(value);
        else reject(err);
      };
      const onAbort = () => {
        req?.destroy();
        finish(abortReason(signal!));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const options = { method, headers, agent: agents[isHttps ? 'https:' : 'http:'] };
      req = (isHttps ? httpsRequest : httpRequest)(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('end', () => finish(undefined, { res, bytes: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks) }));
        res.once('error', (err) => finish(networkFailure(err)));
        res.once('close', () => {
          if (!res.complete) finish(networkFailure(new Error('the connection closed before the answer ended')));
        });
      });
      req.setTimeout(IDLE_TIMEOUT_MS, () => req?.destroy(new Error(`no data from ${url.host} for ${IDLE_TIMEOUT_MS / 1000} s`)));
      req.once('error', (err: NodeJS.ErrnoException) => {
        if (settled) return;
        const stale = req?.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE') && (method === 'GET' || method === 'HEAD');
        if (stale && !retried) {
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          exchange(url, method, headers, body, signal, true).then(resolve, reject);
          return;
        }
        finish(networkFailure(err));
      });
      req.end(body);
    });
  }

  const fetchOver = async (input: string | URL, init: FetchInit = {}): Promise<HttpAnswer | Response> => {
    const initial = init.body;
    if (initial !== undefined && initial !== null && typeof initial !== 'string' && !Buffer.isBuffer(initial) && !(initial instanceof Uint8Array)) {
      return fetch(input, init as RequestInit);
    }
    let url = new URL(input);
    let method = (init.method ?? 'GET').toUpperCase();
    let body: Buffer | string | undefined = initial === null || initial === undefined ? undefined : typeof initial === 'string' ? initial : Buffer.from(initial);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(init.headers ?? {})) headers[name.toLowerCase()] = value;
    headers['accept-encoding'] ??= 'gzip, deflate, br';
    const signal = init.signal ?? undefined;
    for (let redirects = 0; ; redirects++) {
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      const { res, bytes } = await exchange(url, method, headers, body, signal);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (REDIRECTS.has(status) && location && init.redirect !== 'manual') {
        if (init.redirect === 'error') throw networkFailure(new Error(`unexpected redirect to ${location}`));
        if (redirects >= MAX_REDIRECTS) throw networkFailure(new Error('redirect count exceeded'));
        const next = new URL(location, url);
        if (next.origin !== url.origin) for (const h of CROSS_ORIGIN_DROPPED) delete headers[h];
        if ((status === 303 && method !== 'GET' && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
          for (const h of BODY_HEADERS) delete headers[h];
        }
        url = next;
        continue;
      }
      const decoded = method === 'HEAD' ? bytes : await decode(bytes, res.headers['content-encoding']).catch((err: unknown) => {
        throw err instanceof TypeError ? err : networkFailure(err);
      });
      if (signal?.aborted) throw abortReason(signal);
      return new HttpAnswer(status, res.statusMessage ?? '', url.href, new AnswerHeaders(res.headers), decoded);
    }
  };
  return Object.assign(fetchOver, {
    close: () => {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  });
}
