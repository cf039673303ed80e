import { FakeHttpServer, type RecordedRequest } from './http-fake';

export interface FakeRelease {
  id: number;
  tag_name: string;
  draft: boolean;
  prerelease: boolean;
}

/**
 * A stateful fake of the GitHub endpoints the rollback uses: dispatches (recorded), releases
 * (list, latest, PATCH draft / prerelease / make_latest, DELETE). Tests add failures with `server.on(...)`.
 */
export class FakeGitHub {
  readonly server = new FakeHttpServer();
  releases: FakeRelease[] = [];
  latestTag: string | null = null;
  /** Issues opened (POST /repos/{owner}/{repo}/issues), numbered from 1. */
  readonly issues: { number: number; title: string; body: string; labels: string[] }[] = [];
  /** What GET /repos/{owner}/{repo} says of the token: its role, and its scopes when a classic token. */
  access: { push: boolean; private?: boolean; scopes?: string } = { push: true, private: true, scopes: 'repo, workflow' };
  /** Git references (`refs/...` -> sha), created by POST /git/refs; the example workflow claims rollback ids with them. */
  readonly refs = new Map<string, string>();
  /** Where `html_url`s point (the local runner's stand-in points them at itself, not at github.com). */
  webUrl = 'https://github.com';

  constructor(readonly owner = 'acme', readonly repo = 'app') {
    const base = `/repos/${owner}/${repo}`;
    this.server.on('POST', `${base}/dispatches`, { status: 204 });
    this.server.on('POST', `${base}/issues`, (req) => {
      const body = req.body as { title?: string; body?: string; labels?: string[] };
      if (!body?.title) return { status: 422, body: { message: 'Validation Failed', errors: [{ field: 'title', code: 'missing_field' }] } };
      const issue = { number: this.issues.length + 1, title: body.title, body: body.body ?? '', labels: body.labels ?? [] };
      this.issues.push(issue);
      return { status: 201, body: { ...issue, html_url: `${this.webUrl}/${owner}/${repo}/issues/${issue.number}` } };
    });
    this.server.on('GET', base, () => ({
      headers: (this.access.scopes !== undefined ? { 'x-oauth-scopes': this.access.scopes } : {}) as Record<string, string>,
      body: {
        id: 1,
        name: repo,
        full_name: `${owner}/${repo}`,
        private: this.access.private ?? true,
        permissions: { admin: false, maintain: false, push: this.access.push, triage: true, pull: true },
      },
    }));
    this.server.on('GET', `${base}/releases`, () => ({ body: this.releases.map((r) => ({ ...r, name: r.tag_name })) }));
    this.server.on('GET', `${base}/releases/latest`, () => {
      const latest = this.releases.find((r) => r.tag_name === this.latestTag && !r.draft && !r.prerelease);
      return latest ? { body: { ...latest } } : { status: 404, body: { message: 'Not Found' } };
    });
    this.server.on('PATCH', new RegExp(`^${base}/releases/\\d+$`), (req) => this.patch(req));
    // `gh release delete`: the release goes, its git tag stays (GitHub's behaviour without --cleanup-tag).
    this.server.on('DELETE', new RegExp(`^${base}/releases/\\d+$`), (req) => {
      const id = Number(req.path.split('/').pop());
      const release = this.releases.find((r) => r.id === id);
      if (!release) return { status: 404, body: { message: 'Not Found' } };
      this.releases = this.releases.filter((r) => r !== release);
      if (this.latestTag === release.tag_name) this.latestTag = null;
      return { status: 204 };
    });
    this.server.on('POST', `${base}/git/refs`, (req) => this.createRef(req));
    // GET /git/ref/{ref} takes the ref without its `refs/` prefix (heads/main, rollbacks/x/1).
    this.server.on('GET', new RegExp(`^${base}/git/ref/(.+)$`), (req) => {
      const ref = `refs/${req.path.slice(`${base}/git/ref/`.length)}`;
      const sha = this.refs.get(ref);
      if (!sha) return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/git/refs#get-a-reference', status: '404' } };
      return { body: this.refBody(ref, sha) };
    });
  }

  /**
   * POST /repos/{owner}/{repo}/git/refs: GitHub's answers, 201 with the ref, or 422 "Reference
   * already exists" (the body GitHub sends: message, documentation_url, status) when it exists.
   * Each create is atomic here as on GitHub: of two concurrent creates of one ref, one gets 201.
   */
  private createRef(req: RecordedRequest) {
    const { ref, sha } = (req.body ?? {}) as { ref?: unknown; sha?: unknown };
    if (typeof ref !== 'string' || typeof sha !== 'string') {
      return { status: 422, body: { message: 'Invalid request.\n\n"ref" and "sha" are required.', documentation_url: 'https://docs.github.com/rest/git/refs#create-a-reference', status: '422' } };
    }
    if (this.refs.has(ref)) {
      return { status: 422, body: { message: 'Reference already exists', documentation_url: 'https://docs.github.com/rest/git/refs#create-a-reference', status: '422' } };
    }
    this.refs.set(ref, sha);
    return { status: 201, headers: { location: `${this.server.url}/repos/${this.owner}/${this.repo}/git/${ref}` }, body: this.refBody(ref, sha) };
  }

  private refBody(ref: string, sha: string) {
    const api = `${this.server.url}/repos/${this.owner}/${this.repo}`;
    return { ref, node_id: `REF_${Buffer.from(ref).toString('base64url')}`, url: `${api}/git/${ref}`, object: { type: 'commit', sha, url: `${api}/git/commits/${sha}` } };
  }

  /** Releases oldest first; the last non-prerelease is Latest unless `latest` says otherwise. */
  seed(tags: string[], latest?: string): this {
    this.releases = tags.map((tag_name, i) => ({ id: i + 1, tag_name, draft: false, prerelease: false }));
    this.latestTag = latest ?? tags[tags.length - 1] ?? null;
    return this;
  }

  dispatches(): RecordedRequest[] {
    return this.server.calls('POST', `/repos/${this.owner}/${this.repo}/dispatches`);
  }

  deletes(): RecordedRequest[] {
    return this.server.calls('DELETE', /\/releases\/\d+$/);
  }

  edits(): RecordedRequest[] {
    return this.server.calls('PATCH', /\/releases\/\d+$/);
  }

  private patch(req: RecordedRequest) {
    const id = Number(req.path.split('/').pop());
    const release = this.releases.find((r) => r.id === id);
    if (!release) return { status: 404, body: { message: 'Not Found' } };
    const body = (req.body ?? {}) as { draft?: boolean; prerelease?: boolean; make_latest?: string };
    if (body.draft !== undefined) release.draft = body.draft;
    if (body.prerelease !== undefined) release.prerelease = body.prerelease;
    if (body.make_latest === 'true') this.latestTag = release.tag_name;
    if (release.draft && this.latestTag === release.tag_name) this.latestTag = null;
    return { body: { ...release } };
  }
}
