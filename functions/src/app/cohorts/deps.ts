import type { CanaryStore, Clock, ConfigStore, ShellSource } from '../../ports';

export interface RouterLogger {
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

/** What the cohort router needs; the deployed function, the local runner, the bench and tests pass them in. */
export interface CohortRouterDeps {
  /** Web canaries: their states are the shares (core/cohort-shares.ts). */
  canaries: CanaryStore;
  /** `config/web_cohorts` (config/web-cohorts.ts). */
  config: ConfigStore;
  shells: ShellSource;
  clock: Clock;
  /** 22 base64url characters of 128 random bits. */
  newSessionId: () => string;
  /** Secure cookies (production: Hosting is https). Only plain-http loopback runs turn it off. */
  secureCookie: boolean;
  logger: RouterLogger;
}

/** A request as the router sees it: only what it reads, all of it hostile until parsed. */
export interface RouterRequest {
  method: string;
  /** The raw query string without `?` (may be empty). */
  query: string;
  cookie?: string;
  userAgent?: string;
}

export interface RouterResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The cohort served, or null when the router fell back to the live shell as it is (or failed). */
  cohort: 'alpha' | 'beta' | 'stable' | null;
  /** Why the router fell back, when it did. */
  fallback?: string;
}
