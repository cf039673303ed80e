/** The body of POST /v1/telemetry (shared/spec/telemetry-format.md), as this module sends it. */

export type Channel = 'alpha' | 'beta' | 'stable';

export interface WireWindow {
  /** RFC 3339 UTC, on a minute boundary. */
  start: string;
  requests: number;
  errors: number;
  clientErrors?: number;
  sessions?: number;
  crashes?: number;
  latencyMs?: { counts: Record<string, number> };
}

export interface WireBatch {
  key: string;
  batchId: string;
  installId: string;
  platform: 'desktop';
  release: string;
  channel: Channel;
  windows: WireWindow[];
}

/** The spec's limits on one window, and on one batch. */
export const LIMITS = { requests: 100_000, sessions: 1000, windowsPerBatch: 10, bodyBytes: 16 * 1024 } as const;

/** batchId and installId: 8-64 of [A-Za-z0-9_-]. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

/** release: 1-64 characters, no "/". */
export function validRelease(release: unknown): release is string {
  return typeof release === 'string' && [...release].length >= 1 && [...release].length <= 64 && !release.includes('/');
}

export const CHANNELS: readonly Channel[] = ['alpha', 'beta', 'stable'];
