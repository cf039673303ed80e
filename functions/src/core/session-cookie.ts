import { parseOptIn, type OptIn } from './cohort';

/**
 * The router's state in the browser, in `__session`: Firebase Hosting strips every other cookie
 * before a request reaches a function (https://firebase.google.com/docs/hosting/manage-cache#using_cookies).
 * Value: `cg1.<id>` or `cg1.<id>.<alpha|beta|off>`; the id is 22 base64url characters (128 random
 * bits). Anything else in the cookie is someone else's or forged: it is ignored and replaced.
 */
export const SESSION_COOKIE = '__session';

export interface CohortSession {
  id: string;
  optIn?: OptIn;
}

const VALUE = /^cg1\.([A-Za-z0-9_-]{22})(?:\.([a-z]{3,5}))?$/;
/** Longer Cookie headers are not parsed at all (browsers cap a cookie at 4 KB; Hosting sends one). */
const MAX_HEADER = 8_192;

/** The session in a Cookie header, or undefined when there is none or it is not ours and valid. */
export function readSession(cookieHeader: string | undefined): CohortSession | undefined {
  if (typeof cookieHeader !== 'string' || cookieHeader.length > MAX_HEADER) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    const m = VALUE.exec(value);
    if (!m) return undefined;
    if (m[2] === undefined) return { id: m[1]! };
    const optIn = parseOptIn(m[2]);
    return optIn ? { id: m[1]!, optIn } : undefined;
  }
  return undefined;
}

export function isSessionId(id: string): boolean {
  return /^[A-Za-z0-9_-]{22}$/.test(id);
}

/** A year: the cohort outlives browsing sessions, so a visitor does not flip between releases. */
export const SESSION_MAX_AGE_S = 365 * 24 * 3600;

/**
 * The Set-Cookie header for a session. HttpOnly (no script needs it), SameSite=Lax (sent on
 * top-level navigations from other sites, which are exactly the requests the router serves),
 * Secure unless the caller serves plain http on loopback (the local runner and tests).
 */
export function sessionSetCookie(session: CohortSession, secure: boolean): string {
  if (!isSessionId(session.id)) throw new Error('session id must be 22 base64url characters');
  const value = `cg1.${session.id}${session.optIn ? `.${session.optIn}` : ''}`;
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${SESSION_MAX_AGE_S}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}
