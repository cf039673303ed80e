import type { Auth } from 'firebase-admin/auth';
import type { FirebaseIdClaims } from './auth';

/**
 * The status page's admins sign in with Firebase Auth; firebase-admin checks their ID token
 * (Google's signature, this project as audience and issuer, expiry). Revocation is not checked per
 * request: it costs an Identity Toolkit call on every poll, and an ID token lives one hour at most.
 */
export function firebaseIdTokenVerifier(auth: () => Auth): (token: string) => Promise<FirebaseIdClaims> {
  return async (token) => {
    const decoded = await auth().verifyIdToken(token);
    return { uid: decoded.uid, ...(decoded.email ? { email: decoded.email } : {}), admin: decoded.admin };
  };
}
