import { bucketOf } from '../../../src/core/cohort';

/** A session id (22 base64url characters) whose bucket satisfies `wanted`: found by counting, deterministically. */
export function idWhere(wanted: (bucket: number) => boolean, salt = ''): string {
  for (let i = 0; ; i++) {
    const id = `${salt}${i.toString(36)}`.padStart(22, 'A').slice(-22);
    if (wanted(bucketOf(id))) return id;
  }
}

export const alphaId = (salt = '') => idWhere((b) => b < 1000, salt);
export const betaId = (salt = '') => idWhere((b) => b >= 1000 && b < 3500, salt);
export const stableId = (salt = '') => idWhere((b) => b >= 3500, salt);

export { appBuild, fakeChannel } from '../../../src/testing/cohort-apps';
