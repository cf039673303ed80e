import { PLATFORM_CALL_TIMEOUT_MS } from '../../ports/platform';
import type { androidpublisher_v3 } from '@googleapis/androidpublisher';

export interface PlayClientOptions {
  /** A google-auth-library client (GoogleAuth with the androidpublisher scope in production). */
  auth: unknown;
  /** https://androidpublisher.googleapis.com/ by default; tests point it at a fake. */
  rootUrl?: string;
  timeoutMs?: number;
}

/**
 * The Play Developer API client, loaded on first use (the package costs ~120 ms to import: only
 * the rollback and promotion paths pay it). The service account needs release rights in the Play
 * Console itself; GCP IAM alone is not enough.
 */
export function lazyPlayClient(options: PlayClientOptions): () => Promise<androidpublisher_v3.Androidpublisher> {
  let client: Promise<androidpublisher_v3.Androidpublisher> | undefined;
  return () =>
    (client ??= import('@googleapis/androidpublisher').then(({ androidpublisher }) =>
      androidpublisher({
        version: 'v3',
        auth: options.auth as androidpublisher_v3.Options['auth'],
        timeout: options.timeoutMs ?? PLATFORM_CALL_TIMEOUT_MS,
        // Node's own fetch: gaxios would otherwise import node-fetch (ESM) on first request.
        fetchImplementation: fetch,
        ...(options.rootUrl ? { rootUrl: options.rootUrl } : {}),
      }),
    ));
}
