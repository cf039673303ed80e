import type { Octokit } from '@octokit/rest';
import type { Canary } from '../../core/canary';
import type { Clock } from '../../ports/clock';
import { PlatformError, type ActionOutcome, type PromotionStep, type RollbackStep } from '../../ports/platform';
import { githubStepReadiness } from './readiness';
import { callOptions, repositoryOf, toGitHubPlatformError } from './dispatch';

interface ReleaseFacts {
  id: number;
  tag_name: string;
  draft: boolean;
  prerelease: boolean;
}

interface Options {
  github: () => Promise<Octokit>;
  defaultRepository?: string;
  clock: Clock;
}

/** Reads the releases (drafts included: the token has push access) and the one GitHub marks Latest. */
async function readReleases(gh: Octokit, owner: string, repo: string): Promise<{ all: ReleaseFacts[]; latestTag: string | null }> {
  const [list, latest] = await Promise.all([
    gh.rest.repos.listReleases({ owner, repo, per_page: 100, ...callOptions() }),
    gh.rest.repos.getLatestRelease({ owner, repo, ...callOptions() }).then(
      (r) => r.data.tag_name,
      (err: { status?: number }) => {
        if (err.status === 404) return null;
        throw err;
      },
    ),
  ]);
  return { all: list.data.map((r) => ({ id: r.id, tag_name: r.tag_name, draft: r.draft, prerelease: r.prerelease })), latestTag: latest };
}

/**
 * Desktop rollback, the source document's `gh release edit <bad> --draft` / `gh release edit <good>
 * --latest` pair: electron-updater clients on the stable path follow GitHub's Latest flag. The good
 * release is made Latest first so there is never a moment without one. State is read first, so a
 * retry after a lost response edits nothing twice.
 *
 * Severity critical (`gh release delete <bad>`, line 345): the same order, then the bad release is
 * deleted instead of drafted, by the id found under its own tag and only then; the git tag is kept
 * (what was shipped stays identifiable for the post-mortem). A retry finds no release under that tag
 * and answers already_done: it deletes nothing else. Nothing is deleted unless the good release
 * exists, is published, and is Latest by the time of the delete.
 */
export function createGitHubReleaseStep(options: Options): RollbackStep {
  return {
    name: 'github_release',
    describe(ctx) {
      const { owner, repo } = repositoryOf(ctx.canary, options.defaultRepository);
      const bad = ctx.severity === 'critical' ? `DELETE release ${ctx.version} (severity critical; tag kept)` : `PATCH release ${ctx.version} draft=true`;
      return `PATCH ${owner}/${repo} release ${ctx.rollbackTo} make_latest=true; ${bad}`;
    },
    async execute(ctx): Promise<ActionOutcome> {
      const { owner, repo } = repositoryOf(ctx.canary, options.defaultRepository);
      const gh = await options.github();
      try {
        const { all, latestTag } = await readReleases(gh, owner, repo);
        const good = all.find((r) => r.tag_name === ctx.rollbackTo);
        const bad = all.find((r) => r.tag_name === ctx.version);
        if (!good) throw new PlatformError('github', `release ${ctx.rollbackTo} not found in ${owner}/${repo}`, false, 404);
        if (good.draft) throw new PlatformError('github', `release ${ctx.rollbackTo} is a draft; refusing to make it Latest`, false, 422);
        const done: string[] = [];
        if (latestTag !== ctx.rollbackTo) {
          await gh.rest.repos.updateRelease({ owner, repo, release_id: good.id, make_latest: 'true', ...(good.prerelease ? { prerelease: false } : {}), ...callOptions() });
          done.push(`${ctx.rollbackTo} is Latest`);
        }
        if (ctx.severity === 'critical') {
          if (bad && (await deleteRelease(gh, owner, repo, bad.id))) done.push(`${ctx.version} deleted (release id ${bad.id}, tag kept)`);
          if (done.length === 0) return { status: 'already_done', detail: `${ctx.rollbackTo} already Latest and no release ${ctx.version} left to delete` };
          return { status: 'done', detail: done.join('; ') };
        }
        if (bad && !bad.draft) {
          await gh.rest.repos.updateRelease({ owner, repo, release_id: bad.id, draft: true, ...callOptions() });
          done.push(`${ctx.version} is a draft`);
        }
        if (done.length === 0) return { status: 'already_done', detail: `${ctx.rollbackTo} already Latest and ${ctx.version} not published` };
        return { status: 'done', detail: done.join('; ') };
      } catch (err) {
        throw toGitHubPlatformError(err, options.clock, `release edit in ${owner}/${repo}`);
      }
    },
    readiness: (canary, rollbackTo) => githubStepReadiness('github_release', options.github, options.defaultRepository, canary, rollbackTo),
  };
}

/** DELETE /repos/{owner}/{repo}/releases/{id}; false when it is already gone (a lost response's retry). */
async function deleteRelease(gh: Octokit, owner: string, repo: string, id: number): Promise<boolean> {
  try {
    await gh.rest.repos.deleteRelease({ owner, repo, release_id: id, ...callOptions() });
    return true;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return false;
    throw err;
  }
}

/** Desktop promotion: prerelease on alpha/beta, a published release made Latest on stable. */
export async function promoteGitHubRelease(options: Options, canary: Canary, _from: PromotionStep, to: PromotionStep): Promise<ActionOutcome> {
  const { owner, repo } = repositoryOf(canary, options.defaultRepository);
  const gh = await options.github();
  try {
    const { all, latestTag } = await readReleases(gh, owner, repo);
    const release = all.find((r) => r.tag_name === canary.release);
    if (!release) throw new PlatformError('github', `release ${canary.release} not found in ${owner}/${repo}`, false, 404);
    const stable = to.channel === 'stable';
    const wanted = { draft: false, prerelease: !stable };
    const isLatest = latestTag === canary.release;
    if (release.draft === wanted.draft && release.prerelease === wanted.prerelease && (!stable || isLatest)) {
      return { status: 'already_done', detail: `${canary.release} already ${stable ? 'Latest' : 'a prerelease'}` };
    }
    await gh.rest.repos.updateRelease({ owner, repo, release_id: release.id, ...wanted, make_latest: stable ? 'true' : 'false', ...callOptions() });
    return { status: 'done', detail: `${canary.release} is ${stable ? 'published and Latest' : 'a prerelease'} (${to.channel} ${to.rolloutPercent}%)` };
  } catch (err) {
    throw toGitHubPlatformError(err, options.clock, `release promotion in ${owner}/${repo}`);
  }
}
