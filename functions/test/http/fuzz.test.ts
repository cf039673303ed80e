import { request } from 'node:http';
import fc from 'fast-check';
import { createFirestoreAuditLog, createFirestoreCanaryStore, createFirestoreConfigStore, createFirestoreIdempotencyStore } from '../../src/adapters/firestore';
import { createApp } from '../../src/http/app';
import { createAuthenticator } from '../../src/http/auth';
import type { ApiDeps } from '../../src/http/deps';
import { FakeHttpServer } from '../fakes/http-fake';
import { installGitHubGuardianRoutes, passingScenario } from '../fakes/github-guardian';
import { testFirestore } from '../support/firestore';
import { fakeGitHubFacts, listen } from './harness';

/**
 * H14: random requests over every route and method, known and unknown, through real HTTP against
 * the app wired to the Firestore adapters (so a value Firestore refuses surfaces here as a 5xx).
 * After each case: no 5xx, no uncaught exception or unhandled rejection in this process (where the
 * app runs: one of either would kill a Cloud Run instance), and the server still answers.
 * The number of cases is fixed (seeded per run) and printed, so the run time stays predictable.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);
const KEY = 'fuzz-key-0123456789abcdef';

interface Case {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | Buffer | undefined;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function send(baseUrl: string, c: Case): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}${c.path}`, { method: c.method, headers: c.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (c.body !== undefined) req.write(c.body);
    req.end();
  });
}

// --- generators ----------------------------------------------------------------------------------

const hostileChars = fc.constantFrom('\ud800', '\udfff', '\u202e', '\u2066', '\u0085', '\u2028', '\u0000', '\u001b[2J', '\ufeff', '__', '..', '/', '😀', '"', '\\');
const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.array(fc.oneof(fc.string({ maxLength: 4 }), hostileChars), { maxLength: 6 }).map((a) => a.join('')) },
  { weight: 1, arbitrary: fc.constantFrom('v1.0.0', 'v29.1.0', 'v2.0.0-rc.1', 'alpha', 'beta', 'stable', 'web', 'desktop', 'mobile', 'auto_rollback') },
  { weight: 1, arbitrary: fc.nat(3000).map((n) => 'x'.repeat(n)) },
);
const release = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('v1.0.0', 'v29.1.0', 'v3.2.1', 'v28R.1') }, { weight: 1, arbitrary: text });
const scalar = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const anyJson = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(fc.oneof(text, fc.constantFrom('release', 'meta', 'reason', '__name__', 'a.b')), tie('value'), { maxKeys: 4 }),
})).value;
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });

const mostly = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: text as fc.Arbitrary<T | string> });
const platform = mostly(fc.constantFrom('web', 'desktop', 'mobile'));
const channel = mostly(fc.constantFrom('alpha', 'beta', 'stable'));
/** Bodies shaped like each route's, with hostile values mixed in, so the schemas pass often enough to reach the stores. */
const routeBodies: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
  '/canaries': fc.record({ platform, release, channel, previousRelease: maybe(release), dryRun: maybe(fc.boolean()) }, { requiredKeys: ['platform', 'release', 'channel'] }),
  '/audit': fc.record(
    { action: mostly(fc.constantFrom('auto_rollback', 'promote')), version: release, targetId: maybe(text), reason: maybe(text), actorUid: maybe(text), ts: maybe(fc.oneof(fc.nat(), fc.double())), meta: maybe(fc.dictionary(mostly(fc.constantFrom('a', 'b_2', 'note')), anyJson, { maxKeys: 3 })) },
    { requiredKeys: ['action', 'version'] },
  ),
  '/guardian/check': fc.record({ release, channel, phase: maybe(fc.constantFrom('pre-deploy', 'post-deploy')), previousRelease: maybe(release), platform: maybe(platform) }, { requiredKeys: ['release', 'channel'] }),
  '/canaries/web__v1.0.0__alpha/gates': fc.record({ loadTestPassed: maybe(fc.oneof(fc.boolean(), scalar)), userFeedbackScore: maybe(fc.oneof(fc.double({ min: 0, max: 5 }), scalar)), crossPlatformValidated: maybe(fc.boolean()) }),
  '/rollback': fc.record({ version: release, reason: mostly(fc.constantFrom('bad release', 'Error rate 8%')), platform: maybe(fc.constantFrom('web', 'desktop', 'mobile')) }, { requiredKeys: ['version', 'reason'] }),
};
const shaped = fc.oneof(...Object.values(routeBodies));
/** A well-aimed mutating request: the route's own body shape, sometimes with an Idempotency-Key reused across cases. */
const aimed = fc.constantFrom(...Object.keys(routeBodies)).chain((p) => fc.tuple(fc.constant(p), routeBodies[p]!.map((b) => JSON.stringify(b))));
const deep = fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.constantFrom('[', '{"a":'), fc.boolean()).map(([d, open, closed]) => {
  const close = open === '[' ? ']' : '}';
  return `{"release":${open.repeat(d)}1${closed ? close.repeat(d) : ''}}`;
});
const body = fc.oneof(
  { weight: 5, arbitrary: shaped.map((b) => JSON.stringify(b)) },
  { weight: 2, arbitrary: anyJson.map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 2, arbitrary: deep },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.integer({ min: 60 * 1024, max: 70 * 1024 }).map((n) => JSON.stringify({ reason: 'r'.repeat(n) })) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

/** Percent-encodes the UTF-8 bytes (encodeURIComponent throws on a lone surrogate). */
const pct = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
const canaryIds = fc.oneof(fc.constantFrom('web__v1.0.0__alpha', 'desktop__v29.1.0__beta', 'mobile__v3.2.1__stable'), text.map(pct));
const knownPath = fc.oneof(
  fc.constantFrom('/guardian/check', '/audit', '/canaries', '/rollback', '/openapi.json'),
  canaryIds.map((id) => `/canaries/${id}`),
  canaryIds.map((id) => `/canaries/${id}/gates`),
  canaryIds.map((id) => `/canaries/${id}/readiness`),
);
// Characters Node's client lets through in a path; everything else is percent-encoded.
const pathChars = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 20 });
const path = fc
  .tuple(
    fc.oneof(
      { weight: 6, arbitrary: knownPath },
      { weight: 1, arbitrary: knownPath.map((p) => p.toUpperCase()) },
      { weight: 1, arbitrary: knownPath.map((p) => `${p}/`) },
      { weight: 2, arbitrary: pathChars.map((p) => `/${p}`) },
      { weight: 1, arbitrary: fc.constantFrom('/%', '/%ED%A0%80', '/canaries/%E0%A4%A', '/canaries/%00', '//', '/./audit', '/canaries/..%2f..%2fx') },
    ),
    fc.option(
      fc.oneof(
        fc.constantFrom('?limit=5', '?limit=-1', '?limit=99999', '?status=running&platform=web', '?targetId=__x__', '?limit=1&limit=2', '?cursor=', '?cursor=%FF'),
        fc.dictionary(fc.constantFrom('limit', 'status', 'platform', 'targetId', 'action', 'cursor', 'x'), text, { maxKeys: 3 }).map((q) => `?${new URLSearchParams(q).toString()}`),
      ),
      { nil: '' },
    ),
  )
  .map(([p, q]) => p + q);

const headerValue = fc.string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })).map((c) => String.fromCharCode(c)), maxLength: 60 });
const headers = fc.record({
  authorization: fc.oneof({ weight: 8, arbitrary: fc.constant(`Bearer ${KEY}`) }, { weight: 1, arbitrary: headerValue }, { weight: 1, arbitrary: headerValue.map((v) => `Bearer ${v}`) }),
  // Keys are reused across cases on purpose (replays, 422 for another body), but only on some requests.
  'idempotency-key': fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.oneof(fc.constantFrom('run-1', 'run-2', 'k'), headerValue) }),
  'content-type': maybe(fc.oneof(fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x'), headerValue)),
  'x-fuzz': maybe(headerValue),
  'accept-encoding': maybe(fc.constantFrom('gzip', 'br', 'identity', '*')),
});
const method = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('POST', 'GET') }, { weight: 2, arbitrary: fc.constantFrom('PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS') }, { weight: 1, arbitrary: fc.constantFrom('PROPFIND', 'TRACE', 'MKCOL', 'PURGE') });

const randomCase: fc.Arbitrary<Case> = fc.record({ method, path, headers, body }).map(({ method: m, path: p, headers: h, body: b }) => ({
  method: m,
  path: p,
  headers: Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>,
  body: m === 'GET' || m === 'HEAD' || m === 'TRACE' ? undefined : b,
}));
const aimedCase: fc.Arbitrary<Case> = fc.tuple(aimed, headers).map(([[p, b], h]) => ({
  method: 'POST',
  path: p,
  headers: { ...(Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>), authorization: `Bearer ${KEY}` },
  body: b,
}));
const requestCase = fc.oneof({ weight: 3, arbitrary: randomCase }, { weight: 2, arbitrary: aimedCase });

// --- the run -------------------------------------------------------------------------------------

describe('HTTP fuzz over every route and method (H14)', () => {
  const store = testFirestore('fuzz');
  const github = installGitHubGuardianRoutes(new FakeHttpServer(), passingScenario());
  let server: { url: string; close: () => Promise<void> };
  const crashes: unknown[] = [];
  const onCrash = (err: unknown) => crashes.push(err);

  beforeAll(async () => {
    await github.start();
    const deps: ApiDeps = {
      canaries: createFirestoreCanaryStore(store.db),
      audit: createFirestoreAuditLog(store.db),
      config: createFirestoreConfigStore(store.db),
      idempotency: createFirestoreIdempotencyStore(store.db),
      clock: { now: () => Date.now() },
      github: fakeGitHubFacts(github.url),
      authenticate: createAuthenticator({ apiKeys: () => ({ fuzz: KEY }) }),
      defaultRepository: 'acme/app',
      // The budget is H10's business; here it would only turn most cases into 429.
      rateLimit: { capacity: 1_000_000, refillPerSecond: 1_000_000 },
      log: () => undefined,
    };
    server = await listen(createApp(deps));
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
  });

  afterAll(async () => {
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    await server.close();
    await github.stop();
    await store.close();
  });

  it('never answers 5xx (but the designed 503s: gate checks could not run, readiness not configured) and the process stays alive after every case', async () => {
    let tried = 0;
    const statuses = new Map<number, number>();
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(requestCase, async (c) => {
        tried++;
        const answer = await send(server.url, c);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        // Two 503s are answers by design, not failures: the gate blocked because checks could not run
        // (with Retry-After), and a readiness check on a deployment with no rollback steps wired (as here).
        const designed503 =
          answer.status === 503 &&
          ((c.path.startsWith('/guardian/check') && /"outcome":"block"/.test(answer.text) && answer.headers['retry-after'] !== undefined) ||
            (/^\/canaries\/[^/]+\/readiness/.test(c.path) && /"error":"not_configured"/.test(answer.text)));
        if (answer.status >= 500 && !designed503) throw new Error(`${c.method} ${c.path} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
        if (answer.status < 100) throw new Error(`${c.method} ${c.path}: no HTTP answer`);
        if (crashes.length > 0) throw new Error(`the process would have died: ${String((crashes[0] as Error)?.stack ?? crashes[0])}`);
        const probe = await send(server.url, { method: 'GET', path: '/openapi.json', headers: { authorization: `Bearer ${KEY}` }, body: undefined });
        if (probe.status !== 200) throw new Error(`the server stopped answering after ${c.method} ${c.path}: ${probe.status}`);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const summary = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`).join(', ');
    process.stdout.write(`HTTP fuzz (H14): ${tried} cases tried in ${seconds} s, 0 failures; statuses ${summary}\n`);
    expect(tried).toBe(RUNS);
    // The generators must reach past authentication and the schemas, or the run proves little.
    expect([...statuses.keys()].filter((s) => s >= 200 && s < 300).length).toBeGreaterThan(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(RUNS / 10);
  }, 120_000);
});
