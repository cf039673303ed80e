import type { Octokit } from '@octokit/rest';
import type { Canary } from '../../core/canary';
import type { ReadinessCheck, RollbackStepName } from '../../ports/platform';
import { callOptions, repositoryOf } from './dispatch';

type Check = Omit<ReadinessCheck, 'step'>;

function statusOf(err: unknown): number | undefined {
  const s = (err as { status?: unknown } | null)?.status;
  return typeof s === 'number' ? s : undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Whether the token may write to the repository, with reads only. GET /repos/{owner}/{repo} gives
 * the caller's role on the repository (`permissions.push`: contents write, which both
 * repository_dispatch and release edits need). A classic token also lists its scopes in
 * X-OAuth-Scopes (`repo`, or `public_repo` for a public repository); a fine-grained or App token
 * does not say what it was granted, and no read shows it: that part is reported as unproven.
 */
export async function repositoryWriteAccess(gh: Octokit, owner: string, repo: string): Promise<Check[]> {
  const full = `${owner}/${repo}`;
  let res: Awaited<ReturnType<Octokit['rest']['repos']['get']>>;
  try {
    res = await gh.rest.repos.get({ owner, repo, ...callOptions() });
  } catch (err) {
    const status = statusOf(err);
    if (status === 401) return [{ check: 'token', outcome: 'failed', detail: `GitHub refused the token (401): ${messageOf(err)}`, missing: 'a valid GITHUB_TOKEN' }];
    if (status === 404 || status === 403) {
      return [{ check: 'repository', outcome: 'failed', detail: `${full} is not visible to the token (${status})`, missing: `read access to ${full} (metadata: read)` }];
    }
    return [{ check: 'repository', outcome: 'failed', detail: `GET /repos/${full} failed: ${status ?? 'network'} ${messageOf(err)}` }];
  }
  const checks: Check[] = [];
  const push = res.data.permissions?.push;
  if (push === false) {
    checks.push({ check: 'repository write', outcome: 'failed', detail: `the token's account has no write access to ${full}`, missing: `contents: write (push) on ${full}` });
  } else if (push === true) {
    checks.push({ check: 'repository write', outcome: 'ok', detail: `the token's account may push to ${full}` });
  } else {
    checks.push({ check: 'repository write', outcome: 'unproven', detail: `GitHub did not report the token's role on ${full}` });
  }
  const header = res.headers['x-oauth-scopes'];
  if (typeof header === 'string') {
    const scopes = header.split(',').map((s) => s.trim()).filter(Boolean);
    const enough = scopes.includes('repo') || (!res.data.private && scopes.includes('public_repo'));
    checks.push(
      enough
        ? { check: 'token scope', outcome: 'ok', detail: `classic token scopes: ${scopes.join(', ')}` }
        : { check: 'token scope', outcome: 'failed', detail: `classic token scopes: ${scopes.join(', ') || '(none)'}`, missing: res.data.private ? 'repo scope' : 'repo or public_repo scope' },
    );
  } else {
    checks.push({
      check: 'token scope',
      outcome: 'unproven',
      detail: 'fine-grained or App token: GitHub reports its granted permissions on no read; Contents: write is needed and only a write would show it is missing',
    });
  }
  return checks;
}

/** Readiness of a GitHub step: repository access, plus for release edits the good release to make Latest. */
export async function githubStepReadiness(
  step: RollbackStepName,
  github: () => Promise<Octokit>,
  defaultRepository: string | undefined,
  canary: Canary,
  rollbackTo: string | null,
): Promise<ReadinessCheck[]> {
  let owner: string, repo: string;
  try {
    ({ owner, repo } = repositoryOf(canary, defaultRepository));
  } catch (err) {
    return [{ step, check: 'repository', outcome: 'failed', detail: messageOf(err), missing: 'target.repository or DEFAULT_REPOSITORY' }];
  }
  try {
    const gh = await github();
    const checks = await repositoryWriteAccess(gh, owner, repo);
    if (step === 'github_release' && rollbackTo) checks.push(await previousRelease(gh, owner, repo, rollbackTo));
    return checks.map((c) => ({ step, ...c }));
  } catch (err) {
    return [{ step, check: 'GitHub', outcome: 'failed', detail: messageOf(err) }];
  }
}

/** The same read the rollback step makes (the release list, drafts included), so both agree on what exists. */
async function previousRelease(gh: Octokit, owner: string, repo: string, tag: string): Promise<Check> {
  try {
    const { data } = await gh.rest.repos.listReleases({ owner, repo, per_page: 100, ...callOptions() });
    const found = data.find((r) => r.tag_name === tag);
    if (!found) return { check: 'previous release', outcome: 'failed', detail: `no release ${tag} among the newest ${data.length} of ${owner}/${repo}`, missing: `GitHub release ${tag}` };
    if (found.draft) return { check: 'previous release', outcome: 'failed', detail: `release ${tag} is a draft: the rollback refuses to make a draft Latest`, missing: `a published release ${tag}` };
    return { check: 'previous release', outcome: 'ok', detail: `release ${tag} exists in ${owner}/${repo} (id ${found.id})` };
  } catch (err) {
    return { check: 'previous release', outcome: 'failed', detail: `listing releases of ${owner}/${repo} failed: ${statusOf(err) ?? 'network'} ${messageOf(err)}` };
  }
}
