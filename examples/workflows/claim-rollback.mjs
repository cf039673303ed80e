// Claims a rollback id for the auto-rollback workflow, once for all time: creates the git ref
// refs/rollbacks/<canary id>/<generation> in the repository. GitHub creates a ref atomically, so of
// any number of runs with the same rollback_id (concurrent or years apart) exactly one gets 201 and
// goes on; the others get 422 "Reference already exists" and stop cleanly as duplicates.
//
// Copy beside the workflow as .github/scripts/claim-rollback.mjs. It needs @octokit/rest (the
// workflow installs it next to this file) and, from the environment:
//   ROLLBACK_ID        client_payload.rollback_id, "<platform>__<release>__<channel>:<generation>"
//   GH_TOKEN           a token allowed to create refs (the job's GITHUB_TOKEN with contents: write)
//   GITHUB_REPOSITORY  owner/name (set by Actions)
//   GITHUB_SHA         the commit the ref points at (set by Actions; any existing commit will do)
//   GITHUB_API_URL     the REST API (set by Actions; GitHub Enterprise too)
//   GITHUB_OUTPUT      where `duplicate=true|false` is written (set by Actions)
// Exit 0 with duplicate=false (claimed: go on) or duplicate=true (drop); exit 1 on a rollback id
// that is not one (nothing is created) or when GitHub could not be asked (the run fails and can be
// re-run: nothing was claimed, or the claim is found on the re-run).
import { appendFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** What the backend sends (functions/src/core/canary.ts canaryId, plus ":<generation>"). */
const ROLLBACK_ID = /^(web|desktop|mobile)__([A-Za-z0-9._-]{1,128})__(alpha|beta|stable):([1-9][0-9]{0,8})$/;

/**
 * The ref a rollback id is claimed with, or an error saying why the id is refused. The id comes in
 * a repository_dispatch payload, which anyone with write access can send: it is checked against the
 * backend's format, and a ".." (which git forbids in a ref name) refused.
 */
export function rollbackRef(rollbackId) {
  if (typeof rollbackId !== 'string' || rollbackId.length === 0) return { ok: false, error: 'no rollback_id in client_payload' };
  const m = ROLLBACK_ID.exec(rollbackId);
  if (!m) return { ok: false, error: `rollback_id ${printable(rollbackId)} is not "<web|desktop|mobile>__<release>__<alpha|beta|stable>:<generation>"` };
  const canary = `${m[1]}__${m[2]}__${m[3]}`;
  // The other rules of git check-ref-format cannot bite: the component starts with the platform and ends with the channel.
  if (canary.includes('..')) return { ok: false, error: `rollback_id ${printable(rollbackId)} cannot name a git ref ("..")` };
  return { ok: true, ref: `refs/rollbacks/${canary}/${m[4]}` };
}

/** A hostile value shown on one line, escaped and cut short (workflow logs render control characters). */
function printable(value) {
  const text = JSON.stringify(String(value).slice(0, 120)).replace(/[\u0080-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return String(value).length > 120 ? `${text}…` : text;
}

/**
 * Creates the claim ref. `duplicate: false` when this call created it; `duplicate: true` when it
 * exists. GitHub answers a losing concurrent create with 422 "Reference already exists" or, in a
 * close race, 422 "Reference update failed": on any 422 the ref is read back, and only a ref that
 * exists makes a duplicate (a 422 for another reason is an error).
 */
export async function claimRollback(octokit, { owner, repo, ref, sha }) {
  try {
    await octokit.rest.git.createRef({ owner, repo, ref, sha });
    return { duplicate: false };
  } catch (err) {
    if (err?.status !== 422) throw err;
    const exists = await octokit.rest.git.getRef({ owner, repo, ref: ref.slice('refs/'.length) }).then(
      () => true,
      (e) => (e?.status === 404 ? false : Promise.reject(e)),
    );
    if (exists) return { duplicate: true };
    throw new Error(`GitHub refused to create ${ref}: ${err.response?.data?.message ?? err.message}`);
  }
}

async function main(env) {
  const claim = rollbackRef(env.ROLLBACK_ID);
  if (!claim.ok) throw new Error(claim.error);
  const [owner, repo] = String(env.GITHUB_REPOSITORY ?? '').split('/');
  if (!owner || !repo) throw new Error('GITHUB_REPOSITORY is not owner/name');
  if (!/^[0-9a-f]{40}$/.test(env.GITHUB_SHA ?? '')) throw new Error('GITHUB_SHA is not a commit sha');
  const { Octokit } = await import('@octokit/rest');
  const octokit = new Octokit({ auth: env.GH_TOKEN, baseUrl: env.GITHUB_API_URL || 'https://api.github.com', userAgent: 'canary-guardian-claim-rollback' });
  const { duplicate } = await claimRollback(octokit, { owner, repo, ref: claim.ref, sha: env.GITHUB_SHA });
  console.log(duplicate ? `rollback ${env.ROLLBACK_ID} was already claimed (${claim.ref}): dropping this duplicate` : `rollback ${env.ROLLBACK_ID} claimed: ${claim.ref}`);
  if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, `duplicate=${duplicate}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.env).catch((err) => {
    // The message only: a stack trace says nothing to the person reading the run, and the id is already escaped.
    console.error(`claim-rollback: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
