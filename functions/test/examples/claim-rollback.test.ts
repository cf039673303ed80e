import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FakeGitHub } from '../fakes/github-releases';

/**
 * The example workflow's duplicate check (examples/workflows/claim-rollback.mjs): the script runs
 * as the workflow runs it (node, beside its own node_modules with the real @octokit/rest) against
 * the fake GitHub on 127.0.0.1, with the environment Actions gives a step.
 */
const SCRIPT = resolve(__dirname, '../../../examples/workflows/claim-rollback.mjs');
const SHA = 'a'.repeat(40);
const ID = 'desktop__v28R.1__stable:1';
const REF = 'refs/rollbacks/desktop__v28R.1__stable/1';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** What the step wrote to $GITHUB_OUTPUT. */
  output: string;
}

let dir: string;
let github: FakeGitHub;
let runs = 0;

beforeAll(() => {
  // The workflow's layout: the script in .github/scripts with @octokit/rest installed beside it.
  dir = mkdtempSync(join(tmpdir(), 'cg-claim-'));
  copyFileSync(SCRIPT, join(dir, 'claim-rollback.mjs'));
  symlinkSync(resolve(__dirname, '../../node_modules'), join(dir, 'node_modules'), 'dir');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(async () => {
  github = new FakeGitHub('acme', 'app');
  await github.server.start();
});
afterEach(async () => github.server.stop());

function claim(rollbackId: string): Promise<Run> {
  const output = join(dir, `output-${++runs}`);
  writeFileSync(output, '');
  const env = {
    PATH: process.env.PATH ?? '',
    ROLLBACK_ID: rollbackId,
    GH_TOKEN: 'test-token',
    GITHUB_REPOSITORY: 'acme/app',
    GITHUB_SHA: SHA,
    GITHUB_API_URL: github.server.url,
    GITHUB_OUTPUT: output,
  };
  return new Promise((done) => {
    execFile(process.execPath, [join(dir, 'claim-rollback.mjs')], { env, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      done({ code, stdout, stderr, output: readFileSync(output, 'utf8') });
    });
  });
}

const creates = () => github.server.calls('POST', '/repos/acme/app/git/refs');

describe('the example workflow claims each rollback_id once, by creating refs/rollbacks/<id> (fake GitHub, real @octokit/rest)', () => {
  it('claims a new rollback id: creates its ref at the run\'s commit and says duplicate=false', async () => {
    const run = await claim(ID);
    expect(run).toMatchObject({ code: 0, output: 'duplicate=false\n' });
    expect(run.stdout).toContain(`claimed: ${REF}`);
    expect(github.refs.get(REF)).toBe(SHA);
    expect(creates()[0]).toMatchObject({ body: { ref: REF, sha: SHA }, headers: { authorization: 'token test-token' } });
  });

  it('drops a rollback id claimed before, however many rollbacks ran since (no window of recent runs)', async () => {
    expect((await claim(ID)).output).toBe('duplicate=false\n');
    for (let i = 0; i < 250; i++) github.refs.set(`refs/rollbacks/web__v${i}__alpha/1`, SHA);
    const again = await claim(ID);
    expect(again).toMatchObject({ code: 0, output: 'duplicate=true\n' });
    expect(again.stdout).toContain('already claimed');
    // A different generation of the same canary is a different rollback.
    expect((await claim('desktop__v28R.1__stable:2')).output).toBe('duplicate=false\n');
  });

  it('lets exactly one of two concurrent runs of the same rollback id proceed', async () => {
    const both = await Promise.all([claim(ID), claim(ID)]);
    expect(both.map((r) => r.code)).toEqual([0, 0]);
    expect(both.map((r) => r.output).sort()).toEqual(['duplicate=false\n', 'duplicate=true\n']);
    expect(creates()).toHaveLength(2);
    expect([...github.refs.keys()]).toEqual([REF]);
  });

  it('reads the ref back when GitHub answers a racing create with 422 "Reference update failed": a duplicate where the ref exists, a failed run where it does not', async () => {
    github.server.on('POST', '/repos/acme/app/git/refs', {
      status: 422,
      body: { message: 'Reference update failed', documentation_url: 'https://docs.github.com/rest/git/refs#create-a-reference', status: '422' },
    });
    github.refs.set(REF, SHA);
    expect(await claim(ID)).toMatchObject({ code: 0, output: 'duplicate=true\n' });
    const lost = await claim('desktop__v28R.1__stable:7');
    expect(lost).toMatchObject({ code: 1, output: '' });
    expect(lost.stderr).toContain('GitHub refused to create refs/rollbacks/desktop__v28R.1__stable/7: Reference update failed');
  });

  it('fails the run, claiming nothing and saying nothing about duplicates, when GitHub answers 500', async () => {
    github.server.on('POST', '/repos/acme/app/git/refs', { status: 500, body: { message: 'Server Error' } });
    const run = await claim(ID);
    expect(run).toMatchObject({ code: 1, output: '' });
    // octokit's own request log line, then the script's one-line reason; no stack trace.
    expect(run.stderr).toMatch(/^claim-rollback: Server Error$/m);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    ['empty', ''],
    ['a path out of the namespace', '../../heads/main:1'],
    ['".." inside the release', 'desktop__v1..2__stable:1'],
    ['an unknown platform', 'server__v1__stable:1'],
    ['no generation', 'desktop__v1__stable'],
    ['a newline and a forged log line', 'desktop__v1__stable:1\n::error::forged'],
    ['a right-to-left override', 'desktop__v1\u202e__stable:1'],
  ])('refuses a hostile rollback_id (%s) before asking GitHub, with an escaped one-line message', async (_what, id) => {
    const run = await claim(id);
    expect(run).toMatchObject({ code: 1, output: '' });
    expect(github.server.requests).toHaveLength(0);
    expect(run.stderr).toMatch(/^claim-rollback: (no rollback_id|rollback_id )/);
    // One line, no raw control or bidi characters.
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
  });

  it('is what the example workflow runs before the rollback job, with the dispatch\'s rollback_id and the right to create refs', () => {
    const workflow = readFileSync(resolve(__dirname, '../../../examples/workflows/auto-rollback.yml'), 'utf8');
    const dedupe = workflow.slice(workflow.indexOf('  dedupe:\n'), workflow.indexOf('  rollback:\n'));
    expect(dedupe).toContain('contents: write');
    expect(dedupe).toContain('ROLLBACK_ID: ${{ github.event.client_payload.rollback_id }}');
    expect(dedupe).toContain('run: node .github/scripts/claim-rollback.mjs');
    expect(dedupe).not.toContain('gh run list');
    expect(workflow).toMatch(/rollback:\n\s+needs: dedupe\n\s+if: needs\.dedupe\.outputs\.duplicate == 'false'/);
  });
});
