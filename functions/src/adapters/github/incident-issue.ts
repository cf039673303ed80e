import type { Octokit } from '@octokit/rest';
import type { Clock } from '../../ports/clock';
import type { IncidentIssues } from '../../ports/incidents';
import { callOptions, toGitHubPlatformError } from './dispatch';

/**
 * Opens an incident report as a GitHub issue (`POST /repos/{owner}/{repo}/issues`). GitHub has no
 * idempotency key for issues: the caller claims the report first, so this runs once per report.
 * A label GitHub does not know is created by GitHub with the issue (push access needed).
 */
export function createGitHubIncidentIssues(options: { github: () => Promise<Octokit>; clock: Clock }): IncidentIssues {
  return {
    async open(repository, title, body, labels) {
      const [owner, repo] = repository.split('/');
      if (!owner || !repo) throw new Error(`not an owner/name repository: ${repository}`);
      const gh = await options.github();
      try {
        const { data } = await gh.rest.issues.create({ owner, repo, title, body, labels, ...callOptions() });
        return { number: data.number, url: data.html_url };
      } catch (err) {
        throw toGitHubPlatformError(err, options.clock, `opening the incident issue in ${owner}/${repo}`);
      }
    },
  };
}
