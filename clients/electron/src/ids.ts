import { randomBytes } from 'node:crypto';

/** 22 characters of [A-Za-z0-9_-] (128 random bits): a batchId or an installId of the spec. */
export function randomId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Where an install falls in [0, 1) for the server's sampleRate: FNV-1a (32 bits) of the installId's
 * UTF-8 bytes over 2^32. The spec only asks that the same install decide the same way every time.
 */
export function sampleBucket(installId: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(installId, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 2 ** 32;
}
