import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transformSync } from 'esbuild';

const root = join(__dirname, '../../..');

/**
 * Issue 12: there is no @googleapis/playdeveloperreporting package, and the whole googleapis takes
 * ~1.3 s to load; the client loads only that API's v1beta1 from googleapis' deep path. Checked in a
 * fresh Node process (Jest's module registry does not show what Node would load).
 */
describe('the Play Developer Reporting client', () => {
  it("loads only googleapis' playdeveloperreporting v1beta1, not the whole package, and only when first used", () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-play-client-'));
    try {
      const source = readFileSync(join(root, 'src/adapters/play-vitals/client.ts'), 'utf8');
      writeFileSync(join(dir, 'client.js'), transformSync(source, { loader: 'ts', format: 'cjs', target: 'node22' }).code);
      const probe = `
        const loaded = () => Object.keys(require.cache).filter((p) => p.includes('googleapis')).map((p) => p.slice(p.lastIndexOf('node_modules/') + 13));
        const { lazyReportingClient } = require(${JSON.stringify(join(dir, 'client.js'))});
        const get = lazyReportingClient({ auth: undefined, rootUrl: 'http://127.0.0.1:9/' });
        const before = loaded();
        const client = get();
        console.log(JSON.stringify({ before, after: loaded(), version: typeof client.vitals.crashrate.query, same: get() === client }));`;
      const r = spawnSync(process.execPath, ['-e', probe], { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_PATH: join(root, 'node_modules') } });
      expect(r.stderr).toBe('');
      const out = JSON.parse(r.stdout) as { before: string[]; after: string[]; version: string; same: boolean };
      expect(out.before).toEqual([]);
      expect(out.after).toContain('googleapis/build/src/apis/playdeveloperreporting/v1beta1.js');
      const apis = new Set(out.after.filter((p) => p.startsWith('googleapis/build/src/apis/')).map((p) => p.split('/')[4]));
      expect([...apis]).toEqual(['playdeveloperreporting']);
      expect(out.after).not.toContain('googleapis/build/src/index.js');
      expect(out.after).not.toContain('googleapis/build/src/googleapis.js');
      expect([out.version, out.same]).toEqual(['function', true]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
