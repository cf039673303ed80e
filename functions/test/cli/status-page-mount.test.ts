import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { statusPageMount } from '../../src/cli/local/status-page-mount';
import { call, listen } from '../http/harness';

describe('the local runner serves the status page at /status/', () => {
  const dir = mkdtempSync(join(tmpdir(), 'status-page-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>status</title>');
  writeFileSync(join(dir, 'app.js'), 'console.log(1)');
  let server: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    server = await listen(statusPageMount({ pollMs: 2500, dir }).handler);
  });
  afterAll(() => server.close());

  it('serves the built files by name, and the page itself for its own paths', async () => {
    const js = await call(server.url, 'GET', '/status/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    for (const path of ['/status/', '/status/canaries/web__v1__alpha', '/status/audit?action=auto_rollback']) {
      const page = await call(server.url, 'GET', path);
      expect(page.status).toBe(200);
      expect(page.text).toContain('<title>status</title>');
    }
    expect((await call(server.url, 'GET', '/status')).headers.location).toBe('/status/');
  });

  it('tells the page that the runner’s API key is the sign-in, and how often to refresh', async () => {
    expect((await call(server.url, 'GET', '/status/config.json')).json).toEqual({ auth: 'key', apiBase: '', pollMs: 2500 });
  });

  it('never reaches the file system with a request path, and refuses writes', async () => {
    expect((await call(server.url, 'GET', '/status/..%2F..%2Fetc%2Fpasswd')).text).not.toMatch(/root:/);
    const up = await call(server.url, 'GET', '/status/../../package.json');
    expect(up.status).toBe(404);
    expect(up.text).not.toMatch(/dependencies/);
    expect((await call(server.url, 'GET', '/status/secret.json')).status).toBe(404);
    const post = await call(server.url, 'POST', '/status/', { body: '{}' });
    expect(post.status).toBe(405);
    expect(post.json).toEqual({ error: 'method_not_allowed', allow: ['GET', 'HEAD'] });
  });

  it('says how to build the page when it is not built', async () => {
    const bare = await listen(statusPageMount({ pollMs: 2500, dir: join(dir, 'missing') }).handler);
    try {
      const reply = await call(bare.url, 'GET', '/status/');
      expect(reply.status).toBe(503);
      expect(reply.text).toMatch(/npm run build/);
    } finally {
      await bare.close();
    }
  });
});
