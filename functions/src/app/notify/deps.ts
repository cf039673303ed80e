import type { DestinationConfig } from '../../config/notifications';
import type { Clock, ConfigStore, NotificationOutbox, Notifier } from '../../ports';
import type { ConfigMemo } from './config-source';

export interface NotifyLogger {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/** What delivering notifications needs; the deployed functions, the local runner and tests plug theirs in. */
export interface NotifyDeps {
  outbox: NotificationOutbox;
  config: ConfigStore;
  /** The last good config/notifications of this instance. */
  configMemo: ConfigMemo;
  notifier: (name: string, destination: DestinationConfig) => Notifier;
  clock: Clock;
  logger: NotifyLogger;
  /** Base URL of the status page ('' for none). */
  statusPageUrl: string;
  /** A delivery's claim: longer than every destination's post timeout (10 s, sent side by side). */
  leaseMs: number;
}

export const DEFAULT_LEASE_MS = 90_000;
