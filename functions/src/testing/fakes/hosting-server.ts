import { FakeHttpServer, type RecordedRequest } from './http-fake';

interface FakeHostingRelease {
  name: string;
  version: { name: string };
  message?: string;
}

/**
 * A stateful fake of Hosting channel releases: list (newest first) and create, which, like the
 * real API, makes a new release on every call.
 */
export class FakeHosting {
  readonly server = new FakeHttpServer();
  /** Releases per `sites/S/channels/C`, newest first. */
  readonly channels = new Map<string, FakeHostingRelease[]>();
  /** Versions and their status (`sites/S/versions/V` -> FINALIZED...); a seeded version is FINALIZED. */
  readonly versions = new Map<string, string>();
  private next = 1;

  constructor() {
    this.server.on('GET', /^\/v1beta1\/sites\/[^/]+\/channels\/[^/]+$/, (req) => {
      const name = req.path.replace(/^\/v1beta1\//, '');
      return this.channels.has(name) ? { body: { name } } : { status: 404, body: { error: { code: 404, message: `${name} not found` } } };
    });
    this.server.on('GET', /^\/v1beta1\/sites\/[^/]+\/versions\/[^/]+$/, (req) => {
      const name = req.path.replace(/^\/v1beta1\//, '');
      const status = this.versions.get(name);
      return status ? { body: { name, status } } : { status: 404, body: { error: { code: 404, message: `${name} not found` } } };
    });
    const path = /^\/v1beta1\/sites\/[^/]+\/channels\/[^/]+\/releases$/;
    this.server.on('GET', path, (req) => ({ body: { releases: this.channels.get(this.parent(req)) ?? [] } }));
    this.server.on('POST', path, (req) => {
      const versionName = req.query.get('versionName');
      if (!versionName) return { status: 400, body: { error: { code: 400, message: 'versionName required' } } };
      const release = this.push(this.parent(req), versionName, (req.body as { message?: string } | undefined)?.message);
      return { body: release };
    });
  }

  /** Seeds a channel with versions, oldest first (the last one is live). */
  seed(parent: string, versions: Array<{ version: string; message?: string }>): this {
    for (const v of versions) {
      this.push(parent, v.version, v.message);
      if (!this.versions.has(v.version)) this.versions.set(v.version, 'FINALIZED');
    }
    return this;
  }

  current(parent: string): string | undefined {
    return this.channels.get(parent)?.[0]?.version.name;
  }

  creates(): RecordedRequest[] {
    return this.server.calls('POST', /\/releases$/);
  }

  private parent(req: RecordedRequest): string {
    return req.path.replace(/^\/v1beta1\//, '').replace(/\/releases$/, '');
  }

  private push(parent: string, versionName: string, message?: string): FakeHostingRelease {
    const release = { name: `${parent}/releases/r${this.next++}`, version: { name: versionName }, ...(message ? { message } : {}) };
    this.channels.set(parent, [release, ...(this.channels.get(parent) ?? [])]);
    return release;
  }
}
