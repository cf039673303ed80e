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
 * with `Authorization: Bearer owner` (firebase-admin/lib/auth/auth-api-request.js). And the browser
 * side the status page calls: `accounts:signInWithPassword` and Secure Token's `token` refresh.
 */
export class FakeIdentityToolkit {
  readonly http = new FakeHttpServer();
  readonly accounts = new Map<string, FakeAccount>();
  /** Passwords by localId, kept apart so accounts:lookup never returns them. */
  private readonly passwords = new Map<string, string>();
  /** Refresh tokens issued, to the localId they refresh. */
  private readonly refreshTokens = new Map<string, string>();
  /** Every ID token minted, in order, with how it was obtained. */
  readonly issued: { via: 'password' | 'refresh'; localId: string; idToken: string; refreshToken: string }[] = [];
  /** The `expiresIn` / `expires_in` the next tokens carry, seconds (the service says 3600). */
  lifetimeSeconds = 3600;

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

    // The browser side, as the Auth emulator serves it to a page: Google's host as the path's first
    // segment, `?key=` required, CORS open (the page is on another origin).
    const cors = { 'access-control-allow-origin': '*' };
    const signIn = /^\/identitytoolkit\.googleapis\.com\/v1\/accounts:signInWithPassword$/;
    const refresh = /^\/securetoken\.googleapis\.com\/v1\/token$/;
    const error = (status: number, message: string) => ({ status, headers: cors, body: { error: { code: status, message, errors: [{ message, domain: 'global', reason: 'invalid' }] } } });
    for (const path of [signIn, refresh]) {
      this.http.on('OPTIONS', path, { status: 204, headers: { ...cors, 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'content-type' } });
    }
    this.http
      .on('POST', signIn, (req) => {
        if (!req.query.get('key')) return error(400, 'MISSING_API_KEY');
        const body = (req.body ?? {}) as { email?: unknown; password?: unknown };
        const account = [...this.accounts.values()].find((a) => a.email === body.email);
        // The service no longer says which of the two was wrong (e-mail enumeration protection).
        if (!account || this.passwords.get(account.localId) !== body.password) return error(400, 'INVALID_LOGIN_CREDENTIALS');
        const minted = this.mint(account, 'password');
        return { headers: cors, body: { kind: 'identitytoolkit#VerifyPasswordResponse', localId: account.localId, email: account.email, displayName: '', idToken: minted.idToken, registered: true, refreshToken: minted.refreshToken, expiresIn: String(this.lifetimeSeconds) } };
      })
      .on('POST', refresh, (req) => {
        if (!req.query.get('key')) return error(400, 'MISSING_API_KEY');
        const form = new URLSearchParams(req.rawBody);
        if (form.get('grant_type') !== 'refresh_token') return error(400, 'INVALID_GRANT_TYPE');
        const localId = this.refreshTokens.get(form.get('refresh_token') ?? '');
        const account = localId ? this.accounts.get(localId) : undefined;
        if (!account) return error(400, 'INVALID_REFRESH_TOKEN');
        const minted = this.mint(account, 'refresh');
        return { headers: cors, body: { access_token: minted.idToken, expires_in: String(this.lifetimeSeconds), token_type: 'Bearer', refresh_token: minted.refreshToken, id_token: minted.idToken, user_id: account.localId, project_id: this.project } };
      });
  }

  /** A password for an account, so the page can sign in as it. */
  setPassword(localId: string, password: string): this {
    this.passwords.set(localId, password);
    return this;
  }

  /**
   * What the emulator mints: an unsigned token (`alg: none`, empty signature) carrying the account's
   * custom claims, which firebase-admin accepts only while FIREBASE_AUTH_EMULATOR_HOST is set.
   */
  private mint(account: FakeAccount, via: 'password' | 'refresh') {
    const now = Math.floor(Date.now() / 1000);
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const n = this.issued.length + 1;
    const payload = {
      ...this.claims(account.localId),
      email: account.email,
      iss: `https://securetoken.google.com/${this.project}`,
      aud: this.project,
      sub: account.localId,
      user_id: account.localId,
      auth_time: now - 5,
      iat: now - 5,
      exp: now + this.lifetimeSeconds,
      // Tells two tokens minted in the same second apart (the tests follow which one the API got).
      token_number: n,
      firebase: { sign_in_provider: 'password', identities: { email: [account.email] } },
    };
    const idToken = `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.`;
    const refreshToken = `fake-refresh-${account.localId}-${n}`;
    this.refreshTokens.set(refreshToken, account.localId);
    const minted = { via, localId: account.localId, idToken, refreshToken };
    this.issued.push(minted);
    return minted;
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
