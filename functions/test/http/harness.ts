import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createGitHubClient } from '../../src/adapters/github/client';
import { createGitHubGuardianFacts } from '../../src/adapters/github/guardian-facts';
import { createApp } from '../../src/http/app';
import { createAuthenticator, type AuthOptions } from '../../src/http/auth';
import type { ApiDeps } from '../../src/http/deps';
import type { LogRecord } from '../../src/http/log';
import type { GitHubFacts } from '../../src/ports';
import { MemoryIdempotencyStore } from '../fakes/memory-idempotency';
import { MemoryAuditLog, MemoryCanaryStore } from '../fakes/memory-store';

export const KEYS = { ci: 'k-ci-0123456789abcdef0123456789abcdef', ops: 'k-ops-short' };

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Record<string, unknown>;
}

/** A raw HTTP call (node:http, so header bytes and bodies are exactly what the test says). */
export function call(
  baseUrl: string,
  method: string,
  path: string,
  opts: { token?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Reply> {
  const url = new URL(path, baseUrl);
  const payload = opts.body === undefined ? undefined : typeof opts.body === 'string' || Buffer.isBuffer(opts.body) ? opts.body : JSON.stringify(opts.body);
  const headers: Record<string, string> = { ...(opts.token !== undefined ? { authorization: `Bearer ${opts.token}` } : {}), ...(opts.headers ?? {}) };
  // curl -d sends this Content-Type unless told otherwise: the API must not care.
  if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/x-www-form-urlencoded';
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          /* left empty: the test asserts on text */
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export async function listen(handler: Parameters<typeof import('node:http').createServer>[1]): Promise<{ url: string; close: () => Promise<void> }> {
  const { createServer } = await import('node:http');
  const server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** GitHubFacts on a fake GitHub, with test-speed retries. */
export function fakeGitHubFacts(baseUrl: string): GitHubFacts {
  let client: ReturnType<typeof createGitHubClient> | undefined;
  return createGitHubGuardianFacts(() => (client ??= createGitHubClient({ token: 'gh-test-token', baseUrl, retry: { retryAfterBaseValue: 1 }, maxRateLimitWaitMs: 2000 })));
}

export interface TestApi {
  url: string;
  deps: ApiDeps;
  canaries: MemoryCanaryStore;
  audit: MemoryAuditLog;
  idempotency: MemoryIdempotencyStore;
  logs: LogRecord[];
  close: () => Promise<void>;
}

/** The Express app on an ephemeral port with in-memory stores. */
export async function startTestApi(over: Partial<ApiDeps> & { oidc?: AuthOptions['oidc'] } = {}): Promise<TestApi> {
  const audit = new MemoryAuditLog();
  const idempotency = new MemoryIdempotencyStore();
  const canaries = new MemoryCanaryStore(undefined, audit, idempotency);
  const logs: LogRecord[] = [];
  const { oidc, ...rest } = over;
  const deps: ApiDeps = {
    canaries,
    audit,
    idempotency,
    clock: { now: () => Date.now() },
    authenticate: createAuthenticator({ apiKeys: () => KEYS, ...(oidc ? { oidc } : {}) }),
    defaultRepository: 'acme/app',
    log: (r) => logs.push(r),
    ...rest,
  };
  const server = await listen(createApp(deps));
  return { url: server.url, deps, canaries, audit, idempotency, logs, close: server.close };
}
