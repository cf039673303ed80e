import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newestSource } from '../support/newest-source';

/**
 * The replay command through its real command line: `node lib/cli/replay.js` (what
 * `npm run --silent replay` runs). `npm test` builds first; running this file alone rebuilds lib/
 * when a source file is newer than the built command.
 */

const root = join(__dirname, '../..');
const examples = join(root, '../examples');
const cli = join(root, 'lib/cli/replay.js');

beforeAll(() => {
  const srcDirs = ['src/core', 'src/config', 'src/cli'].map((d) => join(root, d));
  const stale = !existsSync(cli) || Math.max(...srcDirs.map(newestSource)) > statSync(cli).mtimeMs;
  if (stale) {
    const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
    if (!existsSync(cli)) throw new Error(`build failed: ${r.stdout}${r.stderr}`);
  }
}, 120_000);

function replay(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, INIT_CWD: root } });
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  return { status: r.status, lines, json: lines.map((l) => JSON.parse(l) as Record<string, unknown>), stderr: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'replay-'));
function scenarioFile(name: string, mutate: (s: any) => void): string {
  const s = JSON.parse(readFileSync(join(examples, 'healthy-alpha.json'), 'utf8'));
  mutate(s);
  const path = join(tmp, name);
  writeFileSync(path, JSON.stringify(s));
  return path;
}

describe('replay command', () => {
  it('prints one JSON line per window with the fields of the spec, and exits 0', () => {
    const r = replay(join(examples, 'healthy-alpha.json'));
    expect(r.status).toBe(0);
    expect(r.json).toHaveLength(30);
    expect(r.json[0]).toEqual({
      window: 0,
      t: '2026-01-05T10:01:00Z',
      verdict: expect.any(String),
      decision: 'continue',
      reasons: [],
      metrics: {
        error_rate: expect.objectContaining({ threshold: 0.05 }),
        success_rate: expect.objectContaining({ threshold: 0.9 }),
        crash_rate: expect.objectContaining({ threshold: 0.02 }),
        p95_latency: expect.objectContaining({ threshold: 0.5 }),
        http_error_rate: expect.objectContaining({ threshold: 0.1 }),
      },
    });
    expect(Object.keys(r.json[0]!)).toEqual(['window', 't', 'verdict', 'decision', 'reasons', 'metrics']);
    expect(r.json.at(-1)).toMatchObject({ window: 29, t: '2026-01-05T10:30:00Z', verdict: 'green' });
    expect(r.json.map((l) => l.decision)).not.toContain('rollback');
    expect(r.stderr).toMatch(/replayed "Healthy web canary on alpha"/);
  });

  it('rolls the degrading example back mid-run and stops there', () => {
    const r = replay(join(examples, 'degrading-alpha.json'));
    expect(r.status).toBe(0);
    const last = r.json.at(-1)!;
    expect(last).toMatchObject({ verdict: 'red', decision: 'rollback' });
    expect(last.reasons).toEqual([expect.stringMatching(/^Error rate \d+(\.\d+)?% \(threshold 5%\)$/)]);
    expect(r.json.length).toBeLessThan(30);
    expect(r.json.filter((l) => l.decision === 'rollback')).toHaveLength(1);
  });

  it.each([
    ['shared-incident.json', (d: string[]) => d.includes('pause') && !d.includes('rollback')],
    ['low-traffic-alpha.json', (d: string[]) => !d.includes('rollback') && !d.includes('pause')],
    ['data-gap.json', (d: string[]) => d.includes('pause') && !d.includes('rollback')],
    ['mobile-stable-latency.json', (d: string[]) => d.at(-1) === 'rollback'],
    ['crash-regression-desktop.json', (d: string[]) => d.at(-1) === 'rollback'],
  ])('replays the shipped example %s as documented', (file, expected) => {
    const r = replay(join(examples, file));
    expect(r.status).toBe(0);
    expect(expected(r.json.map((l) => String(l.decision)))).toBe(true);
  });

  it('exits 2 with one line naming the field of an invalid scenario, and prints nothing on stdout', () => {
    const path = scenarioFile('bad.json', (s) => {
      s.windows[3].canary.errors = s.windows[3].canary.requests + 1;
    });
    const r = replay(path);
    expect(r.status).toBe(2);
    expect(r.lines).toEqual([]);
    expect(r.stderr).toBe('windows[3].canary.errors: must be <= requests\n');
  });

  it('exits 2 on malformed JSON and on a missing file without a stack trace', () => {
    const broken = join(tmp, 'broken.json');
    writeFileSync(broken, '{"name": ');
    for (const path of [broken, join(tmp, 'missing.json')]) {
      const r = replay(path);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('applies a --policy override, and rejects a bad one naming its field', () => {
    const strict = replay('--policy', join(examples, 'policy-override.json'), join(examples, 'degrading-alpha.json'));
    const normal = replay(join(examples, 'degrading-alpha.json'));
    expect(strict.json.at(-1)!.reasons).toEqual([expect.stringMatching(/\(threshold 3%\)$/)]);
    expect(strict.json.length).toBeLessThanOrEqual(normal.json.length);
    const bad = join(tmp, 'policy.json');
    writeFileSync(bad, '{"channels":{"beta":{"red":{"errorRate":2}}}}');
    const r = replay('--policy', bad, join(examples, 'healthy-alpha.json'));
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/channels\.beta\.red\.errorRate: must be <= 1$/);
  });

  it('shows the absolute latency limit only where the channel sets one', () => {
    const sla = join(tmp, 'sla.json');
    writeFileSync(sla, '{"channels":{"alpha":{"latencySlaMs":400}}}');
    const withSla = replay('--policy', sla, join(examples, 'healthy-alpha.json'));
    expect(withSla.status).toBe(0);
    expect(withSla.json[0]!.metrics).toHaveProperty('p95_latency_sla', expect.objectContaining({ threshold: 400 }));
    expect(replay(join(examples, 'healthy-alpha.json')).json[0]!.metrics).not.toHaveProperty('p95_latency_sla');
  });

  it('stops after a promotion: a mobile stable canary green for a day moves from 10% to 25%', () => {
    const green = JSON.parse(readFileSync(join(examples, 'healthy-alpha.json'), 'utf8')).windows[0];
    const withSessions = (side: { requests: number }) => ({ ...side, sessions: side.requests * 10, crashes: 0 });
    const path = scenarioFile('mobile-day.json', (s) => {
      Object.assign(s, { platform: 'mobile', channel: 'stable', windowSeconds: 3600 });
      // 300 canary requests an hour cannot prove a 0.5% error rate: scale the hour up.
      const scale = (side: any) => ({ ...withSessions({ ...side, requests: side.requests * 40, errors: 0 }), latencyMs: { ...side.latencyMs, counts: side.latencyMs.counts.map((c: number) => c * 40) } });
      s.windows = Array.from({ length: 30 }, () => ({ canary: scale(green.canary), baseline: scale(green.baseline) }));
    });
    const r = replay(path);
    expect(r.status).toBe(0);
    expect(r.json).toHaveLength(24);
    expect(r.json.at(-1)).toMatchObject({ window: 23, t: '2026-01-06T10:00:00Z', verdict: 'green', decision: 'promote' });
    expect(r.json.at(-1)!.reasons).toEqual(['24 h baked at 10%: rolling out to 25%']);
  });

  it('carries the gates posted before window 0: the alpha example is promoted to beta when its 24-hour bake ends, and waits for them without', () => {
    const r = replay(join(examples, 'promotion-alpha.json'));
    expect(r.status).toBe(0);
    expect(r.json).toHaveLength(288);
    expect(r.json.at(-1)).toMatchObject({ window: 287, t: '2026-01-06T10:00:00Z', decision: 'promote', reasons: ['24 h baked on alpha: promoting to beta at 25%'] });
    expect(r.json.slice(0, -1).every((l) => l.decision === 'continue')).toBe(true);
    const scenario = JSON.parse(readFileSync(join(examples, 'promotion-alpha.json'), 'utf8')) as Record<string, unknown>;
    const ungated = join(tmp, 'ungated.json');
    writeFileSync(ungated, JSON.stringify({ ...scenario, gates: { securityScanPassed: true } }));
    const waiting = replay(ungated);
    expect(waiting.json.map((l) => l.decision)).not.toContain('promote');
    expect(waiting.json.at(-1)!.reasons).toEqual(['Promotion waits for: no open P0/P1 bugs']);
    const bad = join(tmp, 'bad-gates.json');
    writeFileSync(bad, JSON.stringify({ ...scenario, gates: { userFeedbackScore: 7 } }));
    expect(replay(bad)).toMatchObject({ status: 2, lines: [], stderr: 'gates.userFeedbackScore: must be <= 5\n' });
  });

  it('takes time from the scenario only: the same file replays identically', () => {
    const a = replay(join(examples, 'shared-incident.json'));
    const b = replay(join(examples, 'shared-incident.json'));
    expect(a.lines).toEqual(b.lines);
  });

  it('rolls the 4xx example back on the 4xx/5xx rate while its 5xx stay low; without clientErrors the same traffic is not rolled back', () => {
    const r = replay(join(examples, 'client-errors-web.json'));
    expect(r.status).toBe(0);
    const last = r.json.at(-1)!;
    expect(last.decision).toBe('rollback');
    expect((last.reasons as string[])[0]).toMatch(/^4xx\/5xx rate \d+(\.\d+)?% \(threshold 10%\)$/);
    expect((last.metrics as Record<string, { status: string }>).error_rate.status).toBe('green');
    const scenario = JSON.parse(readFileSync(join(examples, 'client-errors-web.json'), 'utf8')) as { windows: { canary: Record<string, unknown> | null; baseline: Record<string, unknown> | null }[] };
    for (const w of scenario.windows) for (const side of [w.canary, w.baseline]) if (side) delete side.clientErrors;
    const blind = join(tmp, 'no-4xx.json');
    writeFileSync(blind, JSON.stringify(scenario));
    expect(replay(blind).json.map((l) => l.decision)).not.toContain('rollback');
  });

  it('refuses a 4xx count above requests - errors, naming the field', () => {
    const path = scenarioFile('bad-4xx.json', (s) => {
      s.windows[2].canary.clientErrors = s.windows[2].canary.requests;
    });
    expect(replay(path)).toMatchObject({ status: 2, lines: [], stderr: 'windows[2].canary.clientErrors: must be <= requests - errors\n' });
  });
  it('pauses the latency-SLA example once its p95 is confidently above the 300 ms limit of the policy file, and lets it go on without one', () => {
    const file = join(examples, 'latency-sla-alpha.json');
    const r = replay('--policy', join(examples, 'policy-latency-sla.json'), file);
    expect(r.status).toBe(0);
    const paused = r.json.filter((l) => l.decision === 'pause');
    expect(paused.length).toBeGreaterThan(0);
    const first = paused[0]!;
    // The canary is slow from window 10 on; before that nothing is wrong.
    expect(first.window).toBeGreaterThanOrEqual(10);
    expect(r.json.slice(0, 10).every((l) => l.decision === 'continue')).toBe(true);
    expect(first).toMatchObject({ verdict: 'yellow', reasons: [expect.stringMatching(/^P95 latency above the 300 ms SLA: [\d.]+% of the newest window.s requests at or above it, where at most 5% may be \(p95 over 10 min \d+ ms, baseline \d+ ms\)$/)] });
    const metrics = first.metrics as Record<string, { status: string; threshold: number }>;
    expect(metrics.p95_latency_sla).toMatchObject({ status: 'yellow', threshold: 300 });
    // 40% slower than the baseline is inside alpha's +50%: only the absolute limit sees it.
    expect(r.json.every((l) => (l.metrics as Record<string, { status: string }>).p95_latency.status !== 'red')).toBe(true);
    expect(r.json.map((l) => l.decision)).not.toContain('rollback');
    const without = replay(file);
    expect(without.json).toHaveLength(30);
    expect(without.json.every((l) => l.decision === 'continue')).toBe(true);
  });

  it('promotes the beta example to stable after its 48-hour bake, and holds it while an MTTR miss on beta is open', () => {
    const file = join(examples, 'promotion-beta.json');
    const free = replay(file);
    expect(free.json.at(-1)).toMatchObject({ window: 287, decision: 'promote', reasons: ['48 h baked on beta: promoting to stable at 100%'] });
    const held = replay('--mttr-missed', 'beta:42', file);
    expect(held.status).toBe(0);
    expect(held.json).toHaveLength(300);
    expect(held.json.map((l) => l.decision)).not.toContain('promote');
    expect(held.json.at(-1)!.reasons).toEqual(['Promotion waits for: MTTR target missed on incident earlier-beta-incident (42 min, target 30 min): a person must clear it']);
    // A miss on another channel holds nothing here.
    expect(replay('--mttr-missed', 'stable', file).json.at(-1)).toMatchObject({ window: 287, decision: 'promote' });
    // Alpha has no MTTR target; a malformed value is one line, exit 2.
    expect(replay('--mttr-missed', 'alpha', file)).toMatchObject({ status: 2, lines: [], stderr: '--mttr-missed: the alpha channel has no MTTR target in this policy, so nothing can miss it\n' });
    expect(replay('--mttr-missed', 'beta:soon', file)).toMatchObject({ status: 2, lines: [] });
  });
});
