import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Issue 10 §4: `npm run replay` right after the README's setup (no build yet) must work, not die
 * with "Cannot find module lib/cli/replay.js". A fresh clone is copied into a temporary directory
 * (sources, scripts, configs and the examples; node_modules linked, as `npm ci` would leave it; no
 * lib/), then the two commands `npm run replay` runs are run there: its `prereplay`
 * (scripts/ensure-built.js) and its `replay` (node lib/cli/replay.js).
 */
const functions = join(__dirname, '../..');
const repo = join(functions, '..');

describe('a fresh clone (no lib/)', () => {
  let clone: string;
  beforeAll(() => {
    clone = mkdtempSync(join(tmpdir(), 'cg-fresh-clone-'));
    const fn = join(clone, 'functions');
    for (const f of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts', 'src']) cpSync(join(functions, f), join(fn, f), { recursive: true });
    cpSync(join(repo, 'examples'), join(clone, 'examples'), { recursive: true });
    symlinkSync(join(functions, 'node_modules'), join(fn, 'node_modules'), 'dir');
  });
  afterAll(() => rmSync(clone, { recursive: true, force: true }));

  it('builds on the first replay and replays the example scenario to its rollback, then skips the build when lib/ is current', () => {
    const fn = join(clone, 'functions');
    expect(existsSync(join(fn, 'lib'))).toBe(false);
    const pre = spawnSync(process.execPath, ['scripts/ensure-built.js'], { cwd: fn, encoding: 'utf8' });
    expect({ status: pre.status, stderr: pre.stderr }).toEqual({ status: 0, stderr: 'building functions/lib (first run or sources changed)...\n' });
    const replay = spawnSync(process.execPath, ['lib/cli/replay.js', join(clone, 'examples/degrading-alpha.json')], { cwd: fn, encoding: 'utf8' });
    expect(replay.stderr).not.toMatch(/Cannot find module|\n\s+at /);
    expect(replay.status).toBe(0);
    expect(replay.stdout).toMatch(/rollback/i);
    // The backtest is built by the same step (npm's prebacktest): it starts and reads its
    // candidate before it touches Firestore, so a bad path is one line, not a missing module.
    const backtest = spawnSync(process.execPath, ['lib/cli/backtest.js', '--policy', 'missing.json'], { cwd: fn, encoding: 'utf8', env: { ...process.env, INIT_CWD: clone } });
    expect({ status: backtest.status, stderr: backtest.stderr }).toEqual({ status: 2, stderr: `policy ${join(clone, 'missing.json')}: cannot read (ENOENT)\n` });
    // So is the ingest key command (npm's pretelemetry:key): it answers a bad command with its usage.
    const keys = spawnSync(process.execPath, ['lib/cli/telemetry-key.js', 'frobnicate'], { cwd: fn, encoding: 'utf8' });
    expect({ status: keys.status, stderr: keys.stderr }).toEqual({ status: 2, stderr: '' });
    expect(keys.stdout).toMatch(/^usage: npm run telemetry:key -- <command>/);
    // Nothing changed since: the second run costs a directory walk, no build.
    const again = spawnSync(process.execPath, ['scripts/ensure-built.js'], { cwd: fn, encoding: 'utf8' });
    expect({ status: again.status, stderr: again.stderr }).toEqual({ status: 0, stderr: '' });
  }, 240_000);

  it('builds lib/ before every command that runs it, so none of them dies with "Cannot find module" on a fresh clone', () => {
    const { scripts } = JSON.parse(readFileSync(join(functions, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const runsLib = Object.keys(scripts).filter((name) => /^node lib\//.test(scripts[name]!));
    expect(runsLib).toEqual(expect.arrayContaining(['replay', 'backtest', 'audit:verify', 'audit:tail', 'telemetry:key', 'admin:grant']));
    const unbuilt = runsLib.filter((name) => scripts[`pre${name}`] !== 'node scripts/ensure-built.js');
    const builtInline = Object.keys(scripts).filter((name) => /node lib\//.test(scripts[name]!) && !/^node lib\//.test(scripts[name]!));
    expect(unbuilt).toEqual([]);
    for (const name of builtInline) expect(scripts[name]).toMatch(/^npm run build && node lib\//);
  });
});
