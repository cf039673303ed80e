import { getApps, initializeApp } from 'firebase-admin/app';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';

let memo: Firestore | undefined;

/**
 * The default app's Firestore, created on first use (STYLE 15: nothing at import time). Deployed
 * functions call this inside handlers; tests and the local runner build their own instance and
 * pass it to the adapter factories instead, or install it with `useDb`.
 */
export function getDb(): Firestore {
  if (!memo) {
    const app = getApps().find((a) => a.name === '[DEFAULT]') ?? initializeApp();
    memo = getFirestore(app);
  }
  return memo;
}

/** Makes `getDb()` answer with the given instance (local runner, tests); `undefined` forgets it. */
export function useDb(db: Firestore | undefined): void {
  memo = db;
}
