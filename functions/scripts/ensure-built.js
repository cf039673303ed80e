// Runs before the commands a user may type first on a fresh clone (replay, backtest, audit:verify,
// audit:tail): builds lib/ with the project's own TypeScript when it is missing or older than
// src/, so `npm ci && npm run replay -- ...` works without a separate build and without a stack
// trace. A current lib/ costs one directory walk, not a compile.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');

function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const lib = join(root, 'lib');
const upToDate = existsSync(join(lib, 'index.js')) && newest(lib) >= newest(join(root, 'src'));
if (!upToDate) {
  process.stderr.write('building functions/lib (first run or sources changed)...\n');
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    process.stderr.write('the build failed (see above); nothing was run\n');
    process.exit(r.status ?? 1);
  }
}
