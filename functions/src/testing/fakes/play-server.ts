import { FakeHttpServer, type RecordedRequest } from './http-fake';

export interface FakeTrackRelease {
  name?: string;
  versionCodes?: string[];
  status?: string;
  userFraction?: number;
}

/**
 * A stateful fake of the androidpublisher edits flow: insert -> tracks get/update -> commit.
 * Committed tracks become the published state; an edit that is never committed changes nothing.
 */
export class FakePlay {
  readonly server = new FakeHttpServer();
  /** Published tracks per `${package}/${track}`. */
  readonly tracks = new Map<string, FakeTrackRelease[]>();
  private readonly edits = new Map<string, Map<string, FakeTrackRelease[]>>();
  private nextEdit = 1;
  /** The next n commits answer 503 (a Play backend failure) and change nothing. */
  commitFailures = 0;

  constructor() {
    const app = '/androidpublisher/v3/applications/:pkg';
    this.server.on('POST', `${app}/edits`, (req) => {
      const id = `edit-${this.nextEdit++}`;
      this.edits.set(id, new Map());
      void req;
      return { body: { id, expiryTimeSeconds: '9999999999' } };
    });
    this.server.on('GET', `${app}/edits/:edit/tracks/:track`, (req) => {
      const [pkg, , edit, , track] = this.parts(req);
      const staged = this.edits.get(edit)?.get(track);
      return { body: { track, releases: structuredClone(staged ?? this.tracks.get(`${pkg}/${track}`) ?? []) } };
    });
    this.server.on('PUT', `${app}/edits/:edit/tracks/:track`, (req) => {
      const [, , edit, , track] = this.parts(req);
      const body = req.body as { releases?: FakeTrackRelease[] };
      this.edits.get(edit)?.set(track, structuredClone(body.releases ?? []));
      return { body: { track, releases: body.releases ?? [] } };
    });
    this.server.on('POST', /^\/androidpublisher\/v3\/applications\/[^/]+\/edits\/[^/]+:commit$/, (req) => {
      const pkg = req.path.split('/')[4];
      const edit = req.path.split('/')[6].replace(/:commit$/, '');
      const staged = this.edits.get(edit);
      if (this.commitFailures > 0) {
        this.commitFailures--;
        return { status: 503, body: { error: { code: 503, message: 'fake: backend error' } } };
      }
      if (!staged) return { status: 404, body: { error: { code: 404, message: 'edit not found' } } };
      for (const [track, releases] of staged) this.tracks.set(`${pkg}/${track}`, releases);
      this.edits.delete(edit);
      return { body: { id: edit } };
    });
    this.server.on('DELETE', `${app}/edits/:edit`, (req) => {
      this.edits.delete(this.parts(req)[2]);
      return { status: 204 };
    });
  }

  /** [pkg, 'edits', edit, 'tracks', track] from the request path. */
  private parts(req: RecordedRequest): string[] {
    return req.path.split('/').slice(4);
  }

  commits(): RecordedRequest[] {
    return this.server.calls('POST', /:commit$/);
  }

  trackUpdates(): RecordedRequest[] {
    return this.server.calls('PUT', /\/tracks\//);
  }
}
