import type { IncomingMessage, ServerResponse } from 'node:http';

/** A part of the local runner's single port: requests whose path starts with `prefix` go to it. */
export interface LocalMount {
  prefix: string;
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** One line for the start banner: what a person can open or curl there. */
  describe?: (baseUrl: string) => string;
}

/**
 * The mount that serves a request; the API takes every path no mount claims. Each part a person
 * opens locally (pages, ingest, stand-ins) is one mount, so the runner's loop stays the same as
 * parts arrive. Longest prefix wins; `/demo` claims `/demo` and `/demo/...`, not `/demos`.
 */
export function pickMount(mounts: readonly LocalMount[], url: string | undefined): LocalMount | undefined {
  const path = (url ?? '').split('?')[0] ?? '';
  let best: LocalMount | undefined;
  for (const mount of mounts) {
    const matches = path === mount.prefix || path.startsWith(mount.prefix.endsWith('/') ? mount.prefix : `${mount.prefix}/`);
    if (matches && (!best || mount.prefix.length > best.prefix.length)) best = mount;
  }
  return best;
}
