/**
 * What the guardian and the canary gates need to know from GitHub, in their own words. The GitHub
 * adapter (adapters/github/guardian-facts.ts) implements it; vendor shapes never cross this file.
 * Every method takes an AbortSignal so a check past the gate's deadline stops its requests.
 * Failures are thrown as PlatformError('github', ...) from ports/platform.ts.
 */

export interface RepoRef {
  owner: string;
  name: string;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Epoch ms after which the answer is useless: a rate-limit wait past it fails at once, saying why. */
  deadline?: number;
}

export interface PullRequestFacts {
  number: number;
  title: string;
  author: string;
  /** Paths the PR changed. */
  files: string[];
  additions: number;
  deletions: number;
  /** Logins whose latest review is an approval (a later "changes requested" or dismissal cancels it). */
  approvers: string[];
}

/** What changed between two releases (base exclusive, head inclusive). */
export interface ReleaseDiff {
  base: string;
  head: string;
  files: string[];
  /** GitHub's compare lists at most 300 files: true when the list is incomplete. */
  filesTruncated: boolean;
  commitShas: string[];
  /** PRs whose merge commit is one of `commitShas`. */
  pullRequests: PullRequestFacts[];
}

export interface DiffRange {
  /** The previous release's tag, or null to look it up. */
  base: string | null;
  /** The release's tag or commit sha. */
  head: string;
  /** The release's tag: never chosen as its own previous release. */
  release: string;
}

export type AlertSeverity = 'critical' | 'high' | 'medium' | 'low';

export interface SecurityAlert {
  number: number;
  severity: AlertSeverity;
  summary: string;
  url: string;
}

export interface CheckRunFacts {
  name: string;
  /** queued | in_progress | completed | ... */
  status: string;
  conclusion: string | null;
  /** output.summary and output.text joined: where benchmark numbers are reported. */
  output: string;
  url: string;
}

export interface GitHubFacts {
  /** The newest published release other than `release`, or null when there is none. */
  previousRelease(repo: RepoRef, release: string, opts?: CallOptions): Promise<string | null>;
  /**
   * What changed from `base` to `head`. With `base` null the previous release is looked up (side by
   * side with the PR listing, so an unknown base costs no extra round trip); null when there is none.
   */
  releaseDiff(repo: RepoRef, range: DiffRange, opts?: CallOptions): Promise<ReleaseDiff | null>;
  /** Open code-scanning alerts at or above `minSeverity`. */
  codeScanningAlerts(repo: RepoRef, minSeverity: AlertSeverity, opts?: CallOptions): Promise<SecurityAlert[]>;
  /** Open Dependabot alerts at or above `minSeverity`. */
  dependabotAlerts(repo: RepoRef, minSeverity: AlertSeverity, opts?: CallOptions): Promise<SecurityAlert[]>;
  /** Check runs named `checkName` on `ref` (a tag, branch or sha), newest first. */
  checkRuns(repo: RepoRef, ref: string, checkName: string, opts?: CallOptions): Promise<CheckRunFacts[]>;
  /** Open issues (not PRs) carrying every one of `labels`. */
  countOpenIssues(repo: RepoRef, labels: string[], opts?: CallOptions): Promise<number>;
}

const SEVERITY_RANK: Record<AlertSeverity, number> = { low: 1, medium: 2, high: 3, critical: 4 };

/** True when `severity` is at or above `min`. */
export function severityAtLeast(severity: AlertSeverity, min: AlertSeverity): boolean {
  return SEVERITY_RANK[severity] >= SEVERITY_RANK[min];
}

/** Parses "owner/name"; the caller has already validated the format. */
export function parseRepo(fullName: string): RepoRef {
  const [owner, name] = fullName.split('/');
  return { owner, name };
}
