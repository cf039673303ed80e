/**
 * The page talks to the API only. Locally (the runner) a person pastes the runner's API key; on
 * Firebase Hosting an admin signs in with Firebase Auth (e-mail and password, through the Identity
 * Toolkit REST API: no SDK for one form) and the API checks the ID token and its `admin` claim.
 */

export interface PageConfig {
  /** `key`: the local runner's API key. `firebase`: Firebase Auth sign-in. */
  auth: 'key' | 'firebase';
  /** Prefix of the API's paths ('' when the API is served on the same origin). */
  apiBase: string;
  /** How often an open view refreshes itself, ms. */
  pollMs: number;
  /** Firebase Web API key; on Hosting it comes from /__/firebase/init.json. */
  firebaseApiKey?: string;
  /**
   * Origin of a Firebase Auth emulator (tests, local work): the page then signs in at
   * `${origin}/identitytoolkit.googleapis.com/...` and `${origin}/securetoken.googleapis.com/...`,
   * as the Firebase SDKs address the emulator. Production config never sets it.
   */
  authEmulator?: string;
}

/** Where an Identity Toolkit / Secure Token call goes: Google, or the emulator's path-prefixed copy. */
function authUrl(config: PageConfig, host: 'identitytoolkit.googleapis.com' | 'securetoken.googleapis.com', path: string): string {
  return config.authEmulator ? `${config.authEmulator}/${host}${path}` : `https://${host}${path}`;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(`${status} ${asText(body.error ?? 'error')}${body.detail ? `: ${asText(body.detail)}` : ''}`);
  }
}

/** An answer's field as text: a string as it is, anything else (a list of issues) as JSON, never '[object Object]'. */
function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

interface Stored {
  kind: 'key' | 'firebase';
  token: string;
  label: string;
  refreshToken?: string;
  expiresAt?: number;
}

/** Kept for the tab only (sessionStorage): closing the tab signs out. */
const STORAGE = 'canary-guardian-status-session';

export class Session {
  private constructor(
    private stored: Stored,
    private readonly config: PageConfig,
  ) {}

  static restore(config: PageConfig): Session | null {
    try {
      const raw = sessionStorage.getItem(STORAGE);
      const stored = raw ? (JSON.parse(raw) as Stored) : null;
      return stored && stored.kind === config.auth ? new Session(stored, config) : null;
    } catch {
      return null;
    }
  }

  static withKey(config: PageConfig, key: string): Session {
    return new Session({ kind: 'key', token: key, label: 'API key' }, config).save();
  }

  static async withPassword(config: PageConfig, email: string, password: string): Promise<Session> {
    const reply = await identity(config, authUrl(config, 'identitytoolkit.googleapis.com', '/v1/accounts:signInWithPassword'), JSON.stringify({ email, password, returnSecureToken: true }), 'application/json');
    return new Session(
      { kind: 'firebase', token: String(reply.idToken), refreshToken: String(reply.refreshToken), expiresAt: Date.now() + Number(reply.expiresIn) * 1000, label: email },
      config,
    ).save();
  }

  get label(): string {
    return this.stored.label;
  }

  private save(): this {
    sessionStorage.setItem(STORAGE, JSON.stringify(this.stored));
    return this;
  }

  signOut(): void {
    sessionStorage.removeItem(STORAGE);
  }

  /** A refresh under way: the view's parallel calls wait for it rather than each refreshing. */
  private refreshing: Promise<void> | undefined;

  /** The bearer token; an ID token is refreshed five minutes before it expires (they last an hour). */
  private async token(): Promise<string> {
    const s = this.stored;
    if (s.kind === 'firebase' && s.refreshToken && (s.expiresAt ?? 0) - Date.now() < 5 * 60_000) {
      this.refreshing ??= this.refresh(s.refreshToken).finally(() => (this.refreshing = undefined));
      await this.refreshing;
    }
    return this.stored.token;
  }

  private async refresh(refreshToken: string): Promise<void> {
    const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString();
    const reply = await identity(this.config, authUrl(this.config, 'securetoken.googleapis.com', '/v1/token'), body, 'application/x-www-form-urlencoded');
    this.stored = { ...this.stored, token: String(reply.id_token), refreshToken: String(reply.refresh_token), expiresAt: Date.now() + Number(reply.expires_in) * 1000 };
    this.save();
  }

  async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.config.apiBase}${path}`, { headers: { authorization: `Bearer ${await this.token()}`, accept: 'application/json' }, cache: 'no-store' });
    let body: Record<string, unknown> = {};
    try {
      body = (await res.json()) as Record<string, unknown>;
    } catch {
      body = { error: 'not_json' };
    }
    if (!res.ok) throw new ApiError(res.status, body);
    return body as T;
  }
}

async function identity(config: PageConfig, url: string, body: string, contentType: string): Promise<Record<string, unknown>> {
  if (!config.firebaseApiKey) throw new Error('sign-in is not configured: no Firebase Web API key (deploy on Firebase Hosting, or set firebaseApiKey in config.json)');
  const res = await fetch(`${url}?key=${encodeURIComponent(config.firebaseApiKey)}`, { method: 'POST', headers: { 'content-type': contentType }, body });
  const reply = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    const message = String((reply.error as { message?: string } | undefined)?.message ?? res.status);
    throw new Error(message === 'INVALID_LOGIN_CREDENTIALS' || message === 'INVALID_PASSWORD' || message === 'EMAIL_NOT_FOUND' ? 'wrong e-mail or password' : `sign-in failed: ${message}`);
  }
  return reply;
}

export async function loadConfig(): Promise<PageConfig> {
  const res = await fetch('/status/config.json', { cache: 'no-store' });
  const raw = (res.ok ? await res.json() : {}) as Partial<PageConfig>;
  const config: PageConfig = { auth: raw.auth === 'firebase' ? 'firebase' : 'key', apiBase: typeof raw.apiBase === 'string' ? raw.apiBase : '', pollMs: Number(raw.pollMs) >= 500 ? Number(raw.pollMs) : 5000 };
  if (raw.firebaseApiKey) config.firebaseApiKey = raw.firebaseApiKey;
  if (raw.authEmulator !== undefined) config.authEmulator = emulatorOrigin(raw.authEmulator);
  if (config.auth === 'firebase' && !config.firebaseApiKey) {
    // Firebase Hosting serves the project's web config at this reserved URL.
    const init: { apiKey?: unknown } = await fetch('/__/firebase/init.json').then((r) => (r.ok ? (r.json() as Promise<{ apiKey?: unknown }>) : {}), () => ({}));
    if (typeof init.apiKey === 'string' && init.apiKey) config.firebaseApiKey = init.apiKey;
  }
  return config;
}

/** config.json's authEmulator as an origin: an http(s) URL with nothing after the host, or the page says what is wrong. */
function emulatorOrigin(value: unknown): string {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.pathname !== '/' || url.search || url.hash) {
    throw new Error(`config.json: authEmulator must be an http(s) origin such as "http://127.0.0.1:9099", got ${JSON.stringify(value)}`);
  }
  return url.origin;
}
