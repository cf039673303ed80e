import { FakeHttpServer } from './http-fake';

/** One account as Identity Toolkit stores it (the fields firebase-admin reads back). */
export interface FakeAccount {
  localId: string;
  email: string;
  /** Custom claims as the service keeps them: one JSON object in a string. */
  customAttributes?: string;
}

/**
 * The Auth emulator's Identity Toolkit surface that firebase-admin's getUser / getUserByEmail and
 * setCustomUserClaims call, on 127.0.0.1. With FIREBASE_AUTH_EMULATOR_HOST pointing here the real
 * SDK sends `POST /identitytoolkit.googleapis.com/v1/projects/{project}/accounts:lookup`
 * (`{localId: [...]}` or `{email: [...]}`) and `.../accounts:update` (`{localId, customAttributes}`),
 * with `Authorization: Bearer owner` (firebase-admin/lib/auth/auth-api-request.js).
 */
export class FakeIdentityToolkit {
  readonly http = new FakeHttpServer();
  readonly accounts = new Map<string, FakeAccount>();

  constructor(readonly project: string) {
    // Regular expressions: in a string pattern http-fake reads `:lookup` as a path parameter.
    const at = (method: string) => new RegExp(`^/identitytoolkit\\.googleapis\\.com/v1/projects/${project}/accounts:${method}$`);
    this.http
      .on('POST', at('lookup'), (req) => {
        const body = req.body as { localId?: string[]; email?: string[] };
        const found = [...this.accounts.values()].filter((a) => body.localId?.includes(a.localId) || body.email?.includes(a.email));
        // The service answers a miss with no `users` at all; firebase-admin turns that into auth/user-not-found.
        return { body: found.length ? { kind: 'identitytoolkit#GetAccountInfoResponse', users: found } : { kind: 'identitytoolkit#GetAccountInfoResponse' } };
      })
      .on('POST', at('update'), (req) => {
        const body = req.body as { localId?: string; customAttributes?: string };
        const account = body.localId ? this.accounts.get(body.localId) : undefined;
        if (!account) return { status: 400, body: { error: { code: 400, message: 'USER_NOT_FOUND' } } };
        if (body.customAttributes !== undefined) account.customAttributes = body.customAttributes;
        return { body: { kind: 'identitytoolkit#SetAccountInfoResponse', localId: account.localId } };
      });
  }

  add(account: FakeAccount): this {
    this.accounts.set(account.localId, { ...account });
    return this;
  }

  /** The claims stored for an account, parsed. */
  claims(localId: string): Record<string, unknown> {
    return JSON.parse(this.accounts.get(localId)?.customAttributes ?? '{}') as Record<string, unknown>;
  }

  /** host:port, the value of FIREBASE_AUTH_EMULATOR_HOST. */
  get host(): string {
    return new URL(this.http.url).host;
  }

  start(): Promise<string> {
    return this.http.start();
  }

  stop(): Promise<void> {
    return this.http.stop();
  }
}
