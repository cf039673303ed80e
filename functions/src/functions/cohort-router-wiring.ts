import { randomBytes } from 'node:crypto';
import type { Firestore } from 'firebase-admin/firestore';
import * as logger from 'firebase-functions/logger';
import { createFirestoreCanaryStore, createFirestoreConfigStore } from '../adapters/firestore';
import { createHttpShellSource, type ShellFetchOptions } from '../adapters/cohorts/shell-fetch';
import type { CohortRouterDeps } from '../app/cohorts/deps';
import type { Clock } from '../ports/clock';

/** The cohort router's collaborators on Firestore and HTTP: the deployed function and the local runner share them. */
export function cohortRouterDeps(db: Firestore, clock: Clock, options: { secureCookie?: boolean; shells?: ShellFetchOptions; logger?: CohortRouterDeps['logger'] } = {}): CohortRouterDeps {
  return {
    canaries: createFirestoreCanaryStore(db),
    config: createFirestoreConfigStore(db),
    shells: createHttpShellSource(options.shells),
    clock,
    newSessionId: () => randomBytes(16).toString('base64url'),
    secureCookie: options.secureCookie ?? true,
    logger: options.logger ?? logger,
  };
}
