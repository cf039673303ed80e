import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve } from 'node:path';
import type { LocalMount } from './mounts';

const BUILT = resolve(__dirname, '..', '..', '..', '..', 'status', 'dist', 'status');
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.json': 'application/json' };

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...extra });
  res.end(body);
}

/**
 * The status page at /status/: the built files (status/build.mjs, run by `npm run build`), a
 * config.json saying the runner's API key is the sign-in, and index.html for the page's own paths
 * (/status/canaries/<id>, /status/audit) so a reload or a shared link opens the right view. Only
 * the files the build wrote are served, by name: a request path never reaches the file system.
 */
/** `config` replaces the page's config.json (tests sign in through a fake Auth emulator with it). */
export function statusPageMount(options: { pollMs: number; dir?: string; config?: Record<string, unknown> }): LocalMount {
  const dir = options.dir ?? BUILT;
  let files: Map<string, Buffer>;
  try {
    files = new Map(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name))]));
  } catch {
    files = new Map();
  }
  const config = JSON.stringify(options.config ?? { auth: 'key', apiBase: '', pollMs: options.pollMs });
  return {
    prefix: '/status',
    describe: (baseUrl) =>
      files.has('index.html') ? `status page: ${baseUrl}/status/ (sign in with the key above)` : `status page: not built (run npm run build in functions/); ${baseUrl}/status/ says so`,
    handler(req: IncomingMessage, res: ServerResponse) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'application/json', JSON.stringify({ error: 'method_not_allowed', allow: ['GET', 'HEAD'] }), { allow: 'GET, HEAD' });
      const path = (req.url ?? '/').split('?')[0]!;
      if (path === '/status') return send(res, 308, 'text/plain; charset=utf-8', 'see /status/', { location: '/status/' });
      if (path === '/status/config.json') return send(res, 200, TYPES['.json']!, config);
      const name = path.slice('/status/'.length);
      const file = files.get(name);
      if (file) return send(res, 200, TYPES[extname(name)] ?? 'application/octet-stream', file);
      const index = files.get('index.html');
      if (!index) return send(res, 503, 'text/plain; charset=utf-8', 'The status page is not built: run `npm run build` in functions/ (it runs status/build.mjs).\n');
      // A file-like path that is not one of ours is a 404, not the page.
      if (/\.[a-z0-9]+$/i.test(name)) return send(res, 404, 'application/json', JSON.stringify({ error: 'not_found' }));
      send(res, 200, TYPES['.html']!, index);
    },
  };
}
