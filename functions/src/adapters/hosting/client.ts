import { PLATFORM_CALL_TIMEOUT_MS } from '../../ports/platform';
import type { firebasehosting_v1beta1 } from 'googleapis/build/src/apis/firebasehosting';

export interface HostingClientOptions {
  /** A google-auth-library client (GoogleAuth with the firebase or cloud-platform scope in production). */
  auth: unknown;
  /** https://firebasehosting.googleapis.com/ by default; tests point it at a fake. */
  rootUrl?: string;
  timeoutMs?: number;
}

/**
 * The Hosting REST client (v1beta1), loaded on first use through the deep import: the whole
 * `googleapis` package costs ~1.4 s and 70 MB per cold start, this one file ~130 ms (pitfall 20).
 */
export function lazyHostingClient(options: HostingClientOptions): () => Promise<firebasehosting_v1beta1.Firebasehosting> {
  let client: Promise<firebasehosting_v1beta1.Firebasehosting> | undefined;
  return () =>
    (client ??= import('googleapis/build/src/apis/firebasehosting').then(({ firebasehosting }) =>
      firebasehosting({
        version: 'v1beta1',
        auth: options.auth as firebasehosting_v1beta1.Options['auth'],
        timeout: options.timeoutMs ?? PLATFORM_CALL_TIMEOUT_MS,
        // Node's own fetch: gaxios would otherwise import node-fetch (ESM) on first request.
        fetchImplementation: fetch,
        ...(options.rootUrl ? { rootUrl: options.rootUrl } : {}),
      }),
    ));
}
