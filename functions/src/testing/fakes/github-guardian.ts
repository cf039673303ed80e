import type { FakeHttpServer, RecordedRequest } from './http-fake';

export interface FakePull {
  number: number;
  title?: string;
  author?: string;
  mergeSha: string;
  files: { filename: string; additions: number; deletions: number }[];
  reviews: { login: string; state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' }[];
}

/** The state of one fake repository, as the guardian sees it through GitHub's REST API. */
export interface GitHubScenario {
  releases: { tag_name: string; draft?: boolean }[];
  commits: string[];
  files: string[];
  pulls: FakePull[];
  codeScanning: { number: number; severity: string; securitySeverity?: string | null; description: string }[];
  dependabot: { number: number; severity: string; pkg: string; summary: string }[];
  checkRuns: { name: string; status: string; conclusion: string | null; summary?: string; text?: string }[];
  issues: { number: number; labels: string[]; pull?: boolean }[];
}

/** A repository where every one of the five checks passes. */
export function passingScenario(): GitHubScenario {
  return {
    releases: [{ tag_name: 'v29.1.0' }, { tag_name: 'v29.0.0' }],
    commits: ['aaa111', 'bbb222'],
    files: ['src/app.ts', 'firestore.rules'],
    pulls: [
      { number: 11, author: 'dev1', mergeSha: 'aaa111', files: [{ filename: 'src/app.ts', additions: 20, deletions: 5 }], reviews: [{ login: 'rev1', state: 'APPROVED' }] },
      { number: 12, author: 'dev2', mergeSha: 'bbb222', files: [{ filename: 'firestore.rules', additions: 3, deletions: 1 }], reviews: [{ login: 'owner1', state: 'APPROVED' }] },
    ],
    codeScanning: [{ number: 1, severity: 'warning', securitySeverity: 'low', description: 'minor' }],
    dependabot: [{ number: 2, severity: 'low', pkg: 'left-pad', summary: 'tiny' }],
    checkRuns: [{ name: 'benchmarks', status: 'completed', conclusion: 'success', summary: 'render: +2.5%\nstartup: -1%' }],
    issues: [],
  };
}

/**
 * Installs GitHub REST routes on a FakeHttpServer, answering from `scenario` (mutate it between
 * calls). Shapes follow @octokit/openapi-types; only the fields the adapter reads are filled in.
 */
export function installGitHubGuardianRoutes(fake: FakeHttpServer, scenario: GitHubScenario, base = '/repos/:owner/:repo'): FakeHttpServer {
  const pull = (req: RecordedRequest) => scenario.pulls.find((p) => String(p.number) === req.path.split('/')[5]);
  return fake
    .on('GET', `${base}/releases`, () => ({ body: scenario.releases.map((r, i) => ({ id: i + 1, tag_name: r.tag_name, draft: r.draft ?? false })) }))
    .on('GET', `${base}/compare/:basehead`, () => ({
      body: {
        total_commits: scenario.commits.length,
        commits: scenario.commits.map((sha) => ({ sha })),
        files: scenario.files.map((filename) => ({ filename, additions: 1, deletions: 1, status: 'modified' })),
      },
    }))
    .on('GET', `${base}/pulls`, () => ({
      body: scenario.pulls.map((p) => ({
        number: p.number,
        title: p.title ?? `PR ${p.number}`,
        user: { login: p.author ?? 'dev' },
        merged_at: '2026-11-20T10:00:00Z',
        merge_commit_sha: p.mergeSha,
        updated_at: '2026-11-20T10:00:00Z',
      })),
    }))
    .on('GET', `${base}/pulls/:n/files`, (req) => ({ body: pull(req)?.files ?? [] }))
    .on('GET', `${base}/pulls/:n/reviews`, (req) => ({ body: (pull(req)?.reviews ?? []).map((r, i) => ({ id: i, user: { login: r.login }, state: r.state })) }))
    .on('GET', `${base}/code-scanning/alerts`, () => ({
      body: scenario.codeScanning.map((a) => ({
        number: a.number,
        state: 'open',
        html_url: `https://github.example/alerts/${a.number}`,
        rule: { id: `rule-${a.number}`, severity: a.severity, security_severity_level: a.securitySeverity ?? null, description: a.description },
      })),
    }))
    .on('GET', `${base}/dependabot/alerts`, (req) => {
      const wanted = (req.query.get('severity') ?? '').split(',').filter(Boolean);
      return {
        body: scenario.dependabot
          .filter((a) => wanted.length === 0 || wanted.includes(a.severity))
          .map((a) => ({
            number: a.number,
            state: 'open',
            html_url: `https://github.example/dependabot/${a.number}`,
            dependency: { package: { name: a.pkg, ecosystem: 'npm' } },
            security_advisory: { severity: a.severity, summary: a.summary },
            security_vulnerability: { severity: a.severity },
          })),
      };
    })
    .on('GET', `${base}/commits/:ref/check-runs`, (req) => {
      const runs = scenario.checkRuns.filter((r) => !req.query.get('check_name') || r.name === req.query.get('check_name'));
      return {
        body: {
          total_count: runs.length,
          check_runs: runs.map((r, i) => ({
            id: i + 1,
            name: r.name,
            status: r.status,
            conclusion: r.conclusion,
            html_url: `https://github.example/runs/${i + 1}`,
            started_at: `2026-11-2${i}T10:00:00Z`,
            output: { summary: r.summary ?? null, text: r.text ?? null },
          })),
        },
      };
    })
    .on('GET', `${base}/issues`, (req) => {
      const labels = (req.query.get('labels') ?? '').split(',').filter(Boolean);
      return {
        body: scenario.issues
          .filter((i) => labels.every((l) => i.labels.includes(l)))
          .map((i) => ({ number: i.number, state: 'open', labels: i.labels.map((name) => ({ name })), ...(i.pull ? { pull_request: { url: 'x' } } : {}) })),
      };
    });
}
