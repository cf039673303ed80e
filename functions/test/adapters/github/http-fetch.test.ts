import { brotliCompressSync, gzipSync } from 'node:zlib';
import type { Octokit } from '@octokit/rest';
import { createGitHubClient } from '../../../src/adapters/github/client';
import { FakeHttpServer } from '../../fakes/http-fake';

/**
 * The node:http fetch the production client hands Octokit (http-fetch.ts), through Octokit and a
 * fake GitHub: what the global fetch did for us (decoding, redirects, aborts, network errors) still
 * happens, and a keep-alive socket the server dropped does not fail a read.
 */
let fake: FakeHttpServer;
let other: FakeHttpServer;
beforeEach(async () => {
  fake = new FakeHttpServer();
  other = new FakeHttpServer();
  await Promise.all([fake.start(), other.start()]);
});
afterEach(() => Promise.all([fake.stop(), other.stop()]));

const client = (): Promise<Octokit> =>
  createGitHubClient({ token: 'fetch-token', baseUrl: fake.url, retry: { enabled: false }, maxRateLimitWaitMs: 0, throttle: { enabled: false } });
const ALERTS = '/repos/acme/app/dependabot/alerts';
const alerts = (gh: Octokit, request: Record<string, unknown> = {}) => gh.dependabot.listAlertsForRepo({ owner: 'acme', repo: 'app', request });
const alert = { number: 7, html_url: 'https://github.com/acme/app/security/dependabot/7' };

describe('the node:http fetch under Octokit', () => {
  it('asks for compressed answers and decodes gzip and brotli bodies', async () => {
    const body = JSON.stringify([alert]);
    fake.on('GET', ALERTS, (req) => ({ headers: { 'content-encoding': req.query.get('state') === 'open' ? 'gzip' : 'br' }, body: req.query.get('state') === 'open' ? gzipSync(body) : brotliCompressSync(body) }));
    const gh = await client();
    const gzipped = await gh.dependabot.listAlertsForRepo({ owner: 'acme', repo: 'app', state: 'open' });
    const brotli = await gh.dependabot.listAlertsForRepo({ owner: 'acme', repo: 'app', state: 'fixed' });
    expect(gzipped.data).toEqual([alert]);
    expect(brotli.data).toEqual([alert]);
    expect(fake.requests[0].headers['accept-encoding']).toMatch(/gzip/);
  });

  it('follows a redirect, keeping the token on the same origin and dropping it on another', async () => {
    fake.on('GET', ALERTS, { status: 301, headers: { location: '/repositories/42/dependabot/alerts' } });
    fake.on('GET', '/repositories/42/dependabot/alerts', { status: 307, headers: { location: `${other.url}/moved/alerts` } });
    other.on('GET', '/moved/alerts', { body: [alert] });
    const answer = await alerts(await client());
    expect(answer.data).toEqual([alert]);
    expect(answer.url).toBe(`${other.url}/moved/alerts`);
    expect(fake.requests.map((r) => r.headers.authorization)).toEqual(['token fetch-token', 'token fetch-token']);
    expect(other.requests[0].headers.authorization).toBeUndefined();
  });

  it('turns a POST answered 303 into a GET without the body', async () => {
    fake.on('POST', '/repos/acme/app/dispatches', { status: 303, headers: { location: '/done' } });
    fake.on('GET', '/done', { status: 204 });
    const gh = await client();
    await gh.repos.createDispatchEvent({ owner: 'acme', repo: 'app', event_type: 'auto-rollback' });
    expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.rawBody}`)).toEqual(['POST /repos/acme/app/dispatches {"event_type":"auto-rollback"}', 'GET /done ']);
  });

  it('gives up a read when its signal aborts, without waiting for the answer', async () => {
    fake.on('GET', ALERTS, { hang: true });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('the gate passed its deadline')), 50);
    const started = Date.now();
    await expect(alerts(await client(), { signal: controller.signal })).rejects.toMatchObject({ status: 500, message: 'the gate passed its deadline' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('reports a refused connection as a network failure naming the cause', async () => {
    const port = new URL(other.url).port;
    await other.stop();
    const gh = await createGitHubClient({ token: 't', baseUrl: `http://127.0.0.1:${port}`, retry: { enabled: false }, maxRateLimitWaitMs: 0, throttle: { enabled: false } });
    await expect(alerts(gh)).rejects.toMatchObject({ status: 500, message: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('sends a read again once when the kept-alive connection it reused was dropped, and not on a fresh one', async () => {
    let n = 0;
    fake.on('GET', ALERTS, () => (++n === 2 ? { dropResponse: true } : { body: [alert] }));
    const gh = await client();
    expect((await alerts(gh)).data).toEqual([alert]);
    // The second read goes out on the first one's socket, which the server drops: sent again, answered.
    expect((await alerts(gh)).data).toEqual([alert]);
    expect(n).toBe(3);

    fake.on('GET', '/repos/acme/app/code-scanning/alerts', { dropResponse: true });
    const fresh = await client();
    await expect(fresh.codeScanning.listAlertsForRepo({ owner: 'acme', repo: 'app' })).rejects.toMatchObject({ status: 500, message: expect.stringMatching(/socket hang up/) });
    expect(fake.calls('GET', '/repos/acme/app/code-scanning/alerts')).toHaveLength(1);
  });
});
