// Builds the status page into status/dist/status/ (what Firebase Hosting serves at /status/ and
// the local runner mounts): one minified bundle with uPlot vendored in, the HTML, the styles, and
// the Hosting config.json (Firebase sign-in; the local runner serves its own config.json).
// esbuild and uPlot come from functions/node_modules: the page has no package of its own.
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, '..', 'functions', 'node_modules');
const require = createRequire(join(modules, 'noop.js'));
const esbuild = require('esbuild');
// An output directory as argument (tests build a copy of their own, leaving status/dist to the runner).
const out = process.argv[2] ? resolve(process.argv[2]) : join(here, 'dist', 'status');

rmSync(process.argv[2] ? out : join(here, 'dist'), { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await esbuild.build({
  entryPoints: [join(here, 'src', 'main.ts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020'],
  nodePaths: [modules],
  metafile: true,
  logLevel: 'warning',
});
copyFileSync(join(here, 'src', 'index.html'), join(out, 'index.html'));
copyFileSync(join(here, 'src', 'style.css'), join(out, 'style.css'));
copyFileSync(join(modules, 'uplot', 'dist', 'uPlot.min.css'), join(out, 'uPlot.min.css'));
writeFileSync(join(out, 'config.json'), `${JSON.stringify({ auth: 'firebase', apiBase: '', pollMs: 5000 }, null, 2)}\n`);
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
process.stdout.write(`status page built: ${out} (app.js ${(bytes / 1024).toFixed(1)} KiB minified)\n`);
