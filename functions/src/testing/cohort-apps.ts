import { FakeHttpServer } from './fakes/http-fake';

/** A tiny app build as Hosting serves it: the shell at /shell.html, an entry script that loads a lazy chunk. */
export function appBuild(release: string): Record<string, { type: string; body: string }> {
  return {
    '/shell.html': {
      type: 'text/html; charset=utf-8',
      body: `<!doctype html><html><head><meta charset="utf-8"><title>Acme ${release}</title><script type="module" src="/assets/index.js"></script></head><body><h1 id="release">${release}</h1><p id="lazy">…</p></body></html>`,
    },
    '/assets/index.js': {
      type: 'text/javascript',
      body: `document.getElementById('release').dataset.entry = import.meta.url;\nimport('./lazy.js').then((m) => m.show());\n`,
    },
    '/assets/lazy.js': {
      type: 'text/javascript',
      body: `export function show() { const p = document.getElementById('lazy'); p.textContent = 'lazy chunk of ${release} from ' + new URL(import.meta.url).origin; p.dataset.from = new URL(import.meta.url).origin; document.body.style.background = '${release.endsWith('2') ? '#fde68a' : '#bfdbfe'}'; }\n`,
    },
  };
}

/**
 * A fake Hosting channel serving a build on 127.0.0.1, with the CORS header docs/web-cohorts.md
 * asks channels to send on assets (module scripts from another origin need it).
 */
export async function fakeChannel(release: string, options: { delayMs?: number } = {}): Promise<FakeHttpServer> {
  const server = new FakeHttpServer();
  for (const [path, file] of Object.entries(appBuild(release))) {
    server.on('GET', path, { status: 200, headers: { 'content-type': file.type, 'access-control-allow-origin': '*' }, body: file.body, ...(options.delayMs ? { delayMs: options.delayMs } : {}) });
  }
  await server.start();
  return server;
}
