import { rewriteShell } from '../../core/shell-rewrite';
import type { Channel } from '../../core/types';
import type { Clock, ShellSource } from '../../ports';

/** A stale shell of the same channel and release may stand in for a failed fetch this long. */
export const STALE_SHELL_MS = 15 * 60_000;

interface Entry {
  html: string;
  at: number;
}

/**
 * Rewritten shells per (URL, channel, release): the parse and rewrite run once per fetch, so a
 * warm request only looks a string up. Keyed by release, so a new release on a channel is fetched
 * on its first request. A failed refetch keeps serving the stale copy (STALE_SHELL_MS at most); the
 * live shell as fetched, untouched, is kept for the router's last-resort fallback.
 */
export class ShellCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<string>>();
  /** The live shell exactly as Hosting served it, last time it was fetched. */
  liveRaw: string | undefined;

  constructor(
    private readonly shells: ShellSource,
    private readonly clock: Clock,
  ) {}

  /** The shell for `channel` fetched from `url`; throws (with the reason) when there is none to serve. */
  async get(url: string, channel: Channel, release: string | undefined, ttlMs: number): Promise<string> {
    const key = `${channel}\n${url}\n${release ?? ''}`;
    const entry = this.entries.get(key);
    const now = this.clock.now();
    if (entry && now - entry.at < ttlMs) return entry.html;
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.load(key, url, channel, release).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    try {
      return await pending;
    } catch (err) {
      if (entry && now - entry.at < STALE_SHELL_MS) return entry.html;
      throw err;
    }
  }

  private async load(key: string, url: string, channel: Channel, release: string | undefined): Promise<string> {
    const fetched = await this.shells.fetchShell(url);
    if (!fetched.ok) throw new Error(fetched.error);
    if (channel === 'stable') this.liveRaw = fetched.html;
    const html = rewriteShell(fetched.html, channel === 'stable' ? { channel, release } : { assetBase: url, channel, release });
    // Entries of older releases of the channel are dropped: the map holds one per channel and URL.
    const prefix = `${channel}\n${url}\n`;
    for (const k of this.entries.keys()) if (k.startsWith(prefix) && k !== key) this.entries.delete(k);
    this.entries.set(key, { html, at: this.clock.now() });
    return html;
  }
}
