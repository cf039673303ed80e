import type { Octokit } from '@octokit/rest';
import { asSeverity, call, SEVERITIES } from './guardian-vendor';
import { createCoalescer, createTtlCache } from './ttl-cache';
import {
  severityAtLeast,
  type AlertSeverity,
  type CallOptions,
  type CheckRunFacts,
  type DiffRange,
  type GitHubFacts,
  type PullRequestFacts,
  type ReleaseDiff,
  type RepoRef,
  type SecurityAlert,
} from '../../ports';

const MAX_PAGES = 10;

/** Tuning of the GitHub guardian facts. */
export interface GuardianFactsOptions {
  /**
   * How long the release diff (compare, merged PRs with their files and reviews, the previous
   * release) is reused, per process; 0 turns it off. Alerts, check runs and issues are always read
   * fresh, so a re-run after fixing one sees the fix.
   */
  diffCacheTtlMs?: number;
  /** Concurrent identical alert / check-run reads share one request (default true). */
  coalesceReads?: boolean;
}

/**
 * GitHubFacts through @octokit/rest (retries and rate limits come from createGitHubClient). The
 * client is obtained lazily so that routes that never reach GitHub never load Octokit.
 */
export function createGitHubGuardianFacts(makeClient: () => Promise<Octokit>, options: GuardianFactsOptions = {}): GitHubFacts {
  // One client per facts object (callers may hand a factory that builds a new one per call).
  let memo: Promise<Octokit> | undefined;
  const client = (): Promise<Octokit> => {
    memo ??= makeClient();
    memo.catch(() => (memo = undefined));
    return memo;
  };
  const req = (opts?: CallOptions) => ({ request: { signal: opts?.signal } });
  const cached = createTtlCache(options.diffCacheTtlMs ?? 60_000);
  const coalesce = createCoalescer();
  const shared = <T>(key: string, load: () => Promise<T>): Promise<T> => (options.coalesceReads === false ? load() : coalesce(key, load));
  const slug = (repo: RepoRef) => `${repo.owner}/${repo.name}`.toLowerCase();

  async function pullRequestFacts(gh: Octokit, repo: RepoRef, pr: { number: number; title: string; user: { login: string } | null }, opts?: CallOptions): Promise<PullRequestFacts> {
    const base = { owner: repo.owner, repo: repo.name, pull_number: pr.number, per_page: 100, ...req(opts) };
    const [files, reviews] = await Promise.all([
      call(`list files of #${pr.number}`, () => gh.paginate(gh.pulls.listFiles, base)),
      call(`list reviews of #${pr.number}`, () => gh.paginate(gh.pulls.listReviews, base)),
    ]);
    const latest = new Map<string, string>();
    for (const review of reviews) {
      const login = review.user?.login;
      if (login && review.state !== 'COMMENTED') latest.set(login, review.state);
    }
    return {
      number: pr.number,
      title: pr.title,
      author: pr.user?.login ?? '',
      files: files.map((f) => f.filename),
      additions: files.reduce((n, f) => n + f.additions, 0),
      deletions: files.reduce((n, f) => n + f.deletions, 0),
      approvers: [...latest].filter(([, state]) => state === 'APPROVED').map(([login]) => login),
    };
  }

  function previousRelease(repo: RepoRef, release: string, opts?: CallOptions): Promise<string | null> {
    return cached(`previous:${slug(repo)}:${release}`, async () => {
      const gh = await client();
      const { data } = await call('list releases', () => gh.repos.listReleases({ owner: repo.owner, repo: repo.name, per_page: 30, ...req(opts) }));
      return data.find((r) => !r.draft && r.tag_name !== release)?.tag_name ?? null;
    });
  }

  async function releaseDiff(repo: RepoRef, { base: knownBase, head, release }: DiffRange, opts?: CallOptions): Promise<ReleaseDiff | null> {
    const gh = await client();
    const closedPromise = call('list closed pull requests', () =>
      gh.pulls.list({ owner: repo.owner, repo: repo.name, state: 'closed', sort: 'updated', direction: 'desc', per_page: 100, ...req(opts) }),
    );
    closedPromise.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
    const base = knownBase ?? (await previousRelease(repo, release, opts));
    if (!base) return null;
    const [compare, closed] = await Promise.all([
      call(`compare ${base}...${head}`, () => gh.repos.compareCommitsWithBasehead({ owner: repo.owner, repo: repo.name, basehead: `${base}...${head}`, ...req(opts) })),
      closedPromise,
    ]);
    const commitShas = compare.data.commits.map((c) => c.sha);
    const shas = new Set(commitShas);
    const files = (compare.data.files ?? []).map((f) => f.filename);
    const merged = closed.data.filter((pr) => pr.merged_at && pr.merge_commit_sha && shas.has(pr.merge_commit_sha));
    const pullRequests = await Promise.all(merged.map((pr) => pullRequestFacts(gh, repo, pr, opts)));
    return {
      base,
      head,
      files,
      filesTruncated: files.length >= 300 || compare.data.total_commits > compare.data.commits.length,
      commitShas,
      pullRequests,
    };
  }

  async function codeScanningAlerts(repo: RepoRef, minSeverity: AlertSeverity, opts?: CallOptions): Promise<SecurityAlert[]> {
    const gh = await client();
    const out: SecurityAlert[] = [];
    let page = 0;
    const iterator = gh.paginate.iterator(gh.codeScanning.listAlertsForRepo, { owner: repo.owner, repo: repo.name, state: 'open', per_page: 100, ...req(opts) });
    await call('list code-scanning alerts', async () => {
      for await (const { data } of iterator) {
        for (const alert of data) {
          const severity = asSeverity(alert.rule?.security_severity_level ?? alert.rule?.severity);
          if (severity && severityAtLeast(severity, minSeverity)) {
            out.push({ number: alert.number, severity, summary: alert.rule?.description ?? alert.rule?.id ?? 'alert', url: alert.html_url });
          }
        }
        if (++page >= MAX_PAGES) break;
      }
    });
    return out;
  }

  async function dependabotAlerts(repo: RepoRef, minSeverity: AlertSeverity, opts?: CallOptions): Promise<SecurityAlert[]> {
    const gh = await client();
    const wanted = SEVERITIES.filter((s) => severityAtLeast(s, minSeverity));
    // One page is enough: the severity filter runs on GitHub, so any alert returned fails the check.
    const { data } = await call('list Dependabot alerts', () =>
      gh.dependabot.listAlertsForRepo({ owner: repo.owner, repo: repo.name, state: 'open', severity: wanted.join(','), per_page: 100, ...req(opts) }),
    );
    return data.flatMap((alert) => {
      const severity = asSeverity(alert.security_advisory?.severity ?? alert.security_vulnerability?.severity);
      if (!severity || !severityAtLeast(severity, minSeverity)) return [];
      const pkg = alert.dependency?.package?.name ?? 'a dependency';
      return [{ number: alert.number, severity, summary: `${pkg}: ${alert.security_advisory?.summary ?? 'vulnerability'}`, url: alert.html_url }];
    });
  }

  async function checkRuns(repo: RepoRef, ref: string, checkName: string, opts?: CallOptions): Promise<CheckRunFacts[]> {
    const gh = await client();
    const { data } = await call(`list check runs on ${ref}`, () =>
      gh.checks.listForRef({ owner: repo.owner, repo: repo.name, ref, check_name: checkName, filter: 'latest', per_page: 20, ...req(opts) }),
    );
    return data.check_runs
      .map((run) => ({
        name: run.name,
        status: run.status,
        conclusion: run.conclusion ?? null,
        output: [run.output?.summary, run.output?.text].filter(Boolean).join('\n'),
        url: run.html_url ?? '',
        startedAt: run.started_at ?? '',
      }))
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
      .map(({ startedAt: _s, ...run }) => run);
  }

  return {
    previousRelease,

    releaseDiff(repo, range, opts) {
      return cached(`diff:${slug(repo)}:${range.base ?? ''}:${range.head}:${range.release}`, () => releaseDiff(repo, range, opts));
    },

    codeScanningAlerts(repo, minSeverity, opts) {
      return shared(`code-scanning:${slug(repo)}:${minSeverity}`, () => codeScanningAlerts(repo, minSeverity, opts));
    },

    dependabotAlerts(repo, minSeverity, opts) {
      return shared(`dependabot:${slug(repo)}:${minSeverity}`, () => dependabotAlerts(repo, minSeverity, opts));
    },

    checkRuns(repo, ref, checkName, opts) {
      return shared(`check-runs:${slug(repo)}:${ref}:${checkName}`, () => checkRuns(repo, ref, checkName, opts));
    },

    async countOpenIssues(repo, labels, opts) {
      const gh = await client();
      let count = 0;
      let page = 0;
      const iterator = gh.paginate.iterator(gh.issues.listForRepo, { owner: repo.owner, repo: repo.name, state: 'open', labels: labels.join(','), per_page: 100, ...req(opts) });
      await call('list issues', async () => {
        for await (const { data } of iterator) {
          count += data.filter((issue) => !issue.pull_request).length;
          if (++page >= MAX_PAGES) break;
        }
      });
      return count;
    },
  };
}
