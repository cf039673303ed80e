import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createFirestoreAuditLog } from '../../src/adapters/firestore';
import { formatEntry, parseTailArgs } from '../../src/cli/audit-tail';
import { testFirestore } from '../support/firestore';

const FUNCTIONS_DIR = resolve(__dirname, '../..');

describe('npm run audit:tail', () => {
  const store = testFirestore('audit-tail');
  const audit = createFirestoreAuditLog(store.db);

  afterAll(() => store.close());

  // Through the real command line (lib/ is built by `npm test` before jest runs), as a person runs it.
  it('prints the newest entries oldest first, then follows each new entry on one line until Ctrl-C', async () => {
    for (let i = 1; i <= 3; i++) {
      await audit.append({ ts: 1_700_000_000_000 + i * 1000, action: 'guardian_pass', actorUid: 'ci', targetId: `v1.${i}`, meta: { n: i } }, `tail-${i}`);
    }
    const child = spawn(process.execPath, ['lib/cli/audit-tail.js', '--project', store.projectId, '--limit', '2'], {
      cwd: FUNCTIONS_DIR,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Only stdout counts: stderr may carry the client library's warnings.
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.resume();
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    const waitForLines = async (n: number) => {
      const deadline = Date.now() + 15_000;
      while (out.split('\n').filter(Boolean).length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    };

    await waitForLines(2);
    await audit.append(
      { ts: 1_700_000_009_000, action: 'auto_rollback', actorUid: 'system', targetId: 'v1.3', meta: { reason: 'Error rate 8% (threshold 5%)\nsecond line' } },
      'tail-4',
    );
    await waitForLines(3);
    child.kill('SIGINT');
    expect(await exited).toBe(0);

    const lines = out.split('\n').filter(Boolean);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('on v1.2');
    expect(lines[1]).toContain('on v1.3');
    expect(lines[2]).toMatch(/auto_rollback {2}by system {2}on v1\.3/);
    // A newline inside meta stays escaped: one entry is always one line.
    expect(lines[2]).toContain('\\nsecond line');
  }, 30_000);

  it('rejects unknown flags and bad limits with a usage error instead of guessing', () => {
    expect(parseTailArgs(['--limit', '0'])).toEqual({ error: 'unexpected argument --limit' });
    expect(parseTailArgs(['--follow'])).toEqual({ error: 'unexpected argument --follow' });
    expect(parseTailArgs(['--limit', '5', '--once'])).toEqual({ limit: 5, once: true });
  });

  it('formats an entry without ts as such rather than inventing a time', () => {
    expect(formatEntry({ action: 'x', actorUid: 'a', targetId: 't', meta: {} })).toBe('no-ts  x  by a  on t  {}');
  });
});
