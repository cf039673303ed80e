import picomatch from 'picomatch';
import { ALWAYS_PROTECTED, type GuardianPolicy } from '../../config/guardian-policy';
import type { CallOptions, GitHubFacts, ReleaseDiff, RepoRef, SecurityAlert } from '../../ports';

export type CheckStatus = 'pass' | 'fail' | 'error' | 'skipped';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  /** What a person should do (or what was verified). */
  detail: string;
}

/** What every check may look at; `diff` is shared so the two diff-based checks fetch it once. */
export interface CheckContext {
  github: GitHubFacts;
  repo: RepoRef;
  release: string;
  /** Commit or ref the release points at (sha when CI sent it, else the tag). */
  ref: string;
  diff: () => Promise<ReleaseDiff>;
  /** The gate's abort signal and deadline, handed to every GitHub read. */
  call: CallOptions;
}

type Checks = GuardianPolicy['checks'];

const list = (items: string[], max = 10): string => items.slice(0, max).join(', ') + (items.length > max ? ` and ${items.length - max} more` : '');

/** Compiling the globs costs more than the rest of the check: once per policy object (the loader keeps it 30 s). */
const matchers = new WeakMap<Checks['protectedPaths'], (path: string) => boolean>();

export async function protectedPathsCheck(ctx: CheckContext, policy: Checks['protectedPaths']): Promise<Omit<CheckResult, 'name'>> {
  let isProtected = matchers.get(policy);
  if (!isProtected) matchers.set(policy, (isProtected = picomatch([...policy.globs, ...ALWAYS_PROTECTED], { dot: true })));
  const diff = await ctx.diff();
  const owners = new Set(policy.owners.map((o) => o.toLowerCase()));
  const touched = diff.files.filter((f) => isProtected(f));
  const unapproved = touched.filter(
    (file) => !diff.pullRequests.some((pr) => pr.files.includes(file) && pr.approvers.some((a) => owners.has(a.toLowerCase()))),
  );
  if (diff.filesTruncated) {
    return { status: 'fail', detail: `the diff ${diff.base}...${diff.head} exceeds what GitHub's compare lists (300 files / 250 commits): protected paths cannot be verified; release in smaller steps` };
  }
  if (unapproved.length > 0) {
    const who = policy.owners.length > 0 ? `one of ${list(policy.owners)}` : 'a listed owner (none configured in config/guardian)';
    return { status: 'fail', detail: `protected paths changed without approval by ${who}: ${list(unapproved)}` };
  }
  return { status: 'pass', detail: touched.length ? `${touched.length} protected path(s) changed, each approved by an owner` : 'no protected path changed' };
}

export async function prLimitsCheck(ctx: CheckContext, policy: Checks['prLimits']): Promise<Omit<CheckResult, 'name'>> {
  const diff = await ctx.diff();
  const prs = diff.pullRequests;
  const problems: string[] = [];
  if (prs.length > policy.maxPullRequests) problems.push(`${prs.length} PRs merged since ${diff.base} (limit ${policy.maxPullRequests})`);
  for (const pr of prs) {
    const lines = pr.additions + pr.deletions;
    if (pr.files.length > policy.maxFilesPerPr) problems.push(`#${pr.number} changes ${pr.files.length} files (limit ${policy.maxFilesPerPr})`);
    if (lines > policy.maxLinesPerPr) problems.push(`#${pr.number} changes ${lines} lines (limit ${policy.maxLinesPerPr})`);
    const approvers = pr.approvers.filter((a) => a.toLowerCase() !== pr.author.toLowerCase());
    if (policy.requireApproval && approvers.length === 0) problems.push(`#${pr.number} was merged without an approving review`);
  }
  if (problems.length > 0) return { status: 'fail', detail: list(problems) };
  return { status: 'pass', detail: `${prs.length} PR(s) merged since ${diff.base}, all within limits` };
}

function alertsResult(kind: string, alerts: SecurityAlert[], min: string): Omit<CheckResult, 'name'> {
  if (alerts.length === 0) return { status: 'pass', detail: `no open ${kind} alert at or above ${min}` };
  const items = alerts.map((a) => `#${a.number} ${a.severity}: ${a.summary}`);
  return { status: 'fail', detail: `${alerts.length} open ${kind} alert(s) at or above ${min}; fix or dismiss: ${list(items, 5)}` };
}

export async function securityScanCheck(ctx: CheckContext, policy: Checks['securityScan']): Promise<Omit<CheckResult, 'name'>> {
  const alerts = await ctx.github.codeScanningAlerts(ctx.repo, policy.minSeverity, ctx.call);
  return alertsResult('code-scanning', alerts, policy.minSeverity);
}

export async function dependencyAuditCheck(ctx: CheckContext, policy: Checks['dependencyAudit']): Promise<Omit<CheckResult, 'name'>> {
  const alerts = await ctx.github.dependabotAlerts(ctx.repo, policy.minSeverity, ctx.call);
  return alertsResult('Dependabot', alerts, policy.minSeverity);
}

/**
 * Benchmark numbers are read from the check run's output as lines `<name>: <+/-N>%` (positive =
 * slower than the baseline), the convention documented in docs/api.md.
 */
export function regressions(output: string, limitPercent: number): string[] {
  const out: string[] = [];
  for (const m of output.matchAll(/^\s*[-*]?\s*([^\n:]{1,80}):\s*([+-]?\d+(?:\.\d+)?)\s*%\s*$/gm)) {
    const value = Number(m[2]);
    if (value > limitPercent) out.push(`${m[1].trim()} +${value}% (limit ${limitPercent}%)`);
  }
  return out;
}

export async function benchmarksCheck(ctx: CheckContext, policy: Checks['benchmarks']): Promise<Omit<CheckResult, 'name'>> {
  const runs = await ctx.github.checkRuns(ctx.repo, ctx.ref, policy.checkName, ctx.call);
  const run = runs[0];
  if (!run) return { status: 'fail', detail: `no check run named "${policy.checkName}" on ${ctx.ref}: run the benchmark workflow on the release commit` };
  if (run.status !== 'completed') return { status: 'fail', detail: `check run "${run.name}" is ${run.status}: re-run the gate when it has finished (${run.url})` };
  if (run.conclusion !== 'success') return { status: 'fail', detail: `check run "${run.name}" concluded ${run.conclusion ?? 'nothing'}: see ${run.url}` };
  const regressed = regressions(run.output, policy.maxRegressionPercent);
  if (regressed.length > 0) return { status: 'fail', detail: `benchmarks regressed: ${list(regressed)}` };
  return { status: 'pass', detail: `check run "${run.name}" succeeded on ${ctx.ref}` };
}
