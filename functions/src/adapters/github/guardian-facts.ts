import type { Octokit } from '@octokit/rest';
import { asSeverity, call, SEVERITIES } from './guardian-vendor';
import { createTtlCache } from './ttl-cache';
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
   * How long the parts of a release diff that a new event cannot change for the same range are
   * reused, per process: the previous release, the compare of base...head, which merged PRs it
   * holds and their files. 0 turns it off. Reviews, alerts, check runs and issues are never
   * cached nor shared: every gate reads them itself after it started (docs/api.md, "Caching").
   */
  diffCacheTtlMs?: number;
}

/** A merged PR as the cache keeps it: no reviews, which can be dismissed or added after a merge. */
type MergedPull = Omit<PullRequestFacts, 'approvers'>;

type ClosedPull = { number: number; title: string; user: { login: string } | null };

/** What compare and the closed-PR list say about a range: the first round of reads. */
interface DiffCore {
  base: string;
  files: string[];
  filesTruncated: boolean;
  commitShas: string[];
  merged: ClosedPull[];
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
  const req = (opts?: CallOptions) => ({ request: { signal: opts?.signal, deadline: opts?.deadline } });
  const cached = createTtlCache(options.diffCacheTtlMs ?? 60_000);
  const slug = (repo: RepoRef) => `${repo.owner}/${repo.name}`.toLowerCase();

  async function mergedPull(gh: Octokit, repo: RepoRef, pr: ClosedPull, opts?: CallOptions): Promise<MergedPull> {
    const files = await call(`list files of #${pr.number}`, () =>
      gh.paginate(gh.pulls.listFiles, { owner: repo.owner, repo: repo.name, pull_number: pr.number, per_page: 100, ...req(opts) }),
    );
    return {
      number: pr.number,
      title: pr.title,
      author: pr.user?.login ?? '',
      files: files.map((f) => f.filename),
      additions: files.reduce((n, f) => n + f.additions, 0),
      deletions: files.reduce((n, f) => n + f.deletions, 0),
    };
  }

  /** Logins whose latest review is an approval (a later "changes requested" or dismissal cancels it). */
  async function approvers(gh: Octokit, repo: RepoRef, pullNumber: number, opts?: CallOptions): Promise<string[]> {
    const reviews = await call(`list reviews of #${pullNumber}`, () =>
      gh.paginate(gh.pulls.listReviews, { owner: repo.owner, repo: repo.name, pull_number: pullNumber, per_page: 100, ...req(opts) }),
    );
    const latest = new Map<string, string>();
    for (const review of reviews) {
      const login = review.user?.login;
      if (login && review.state !== 'COMMENTED') latest.set(login, review.state);
    }
    return [...latest].filter(([, state]) => state === 'APPROVED').map(([login]) => login);
  }

  function previousRelease(repo: RepoRef, release: string, opts?: CallOptions): Promise<string | null> {
    return cached(`previous:${slug(repo)}:${release}`, async () => {
      const gh = await client();
      const { data } = await call('list releases', () => gh.repos.listReleases({ owner: repo.owner, repo: repo.name, per_page: 30, ...req(opts) }));
      return data.find((r) => !r.draft && r.tag_name !== release)?.tag_name ?? null;
    });
  }

  async function diffCore(repo: RepoRef, { base: knownBase, head, release }: DiffRange, opts?: CallOptions): Promise<DiffCore | null> {
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
    return {
      base,
      files,
      filesTruncated: files.length >= 300 || compare.data.total_commits > compare.data.commits.length,
      commitShas,
      merged: closed.data.filter((pr) => pr.merged_at && pr.merge_commit_sha && shas.has(pr.merge_commit_sha)),
    };
  }

  /**
   * Two rounds of reads: compare with the closed-PR list, then each merged PR's files (cached:
   * a merged PR's files do not change) and its reviews (always read: they do) side by side.
   */
  async function releaseDiff(repo: RepoRef, range: DiffRange, opts?: CallOptions): Promise<ReleaseDiff | null> {
    const core = await cached(`diff:${slug(repo)}:${range.base ?? ''}:${range.head}:${range.release}`, () => diffCore(repo, range, opts));
    if (!core) return null;
    const gh = await client();
    const [pulls, approved] = await Promise.all([
      Promise.all(core.merged.map((pr) => cached(`files:${slug(repo)}#${pr.number}`, () => mergedPull(gh, repo, pr, opts)))),
      Promise.all(core.merged.map((pr) => approvers(gh, repo, pr.number, opts))),
    ]);
    return {
      base: core.base,
      head: range.head,
      files: core.files,
      filesTruncated: core.filesTruncated,
      commitShas: core.commitShas,
      pullRequests: pulls.map((pr, i) => ({ ...pr, approvers: approved[i] })),
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
    releaseDiff,
    codeScanningAlerts,
    dependabotAlerts,
    checkRuns,

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
