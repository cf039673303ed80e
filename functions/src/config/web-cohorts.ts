import { z } from 'zod';

const origin = z
  .string()
  .max(2048)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'https:' || u.protocol === 'http:') && u.username === '' && u.password === '' && u.search === '' && u.hash === '';
    } catch {
      return false;
    }
  }, { error: 'expected an http(s) URL without credentials, query or fragment' });

/**
 * `config/web_cohorts`: what the cohort router fronts (docs/web-cohorts.md). The channel URLs are
 * the Hosting preview channels' URLs (`firebase hosting:channel:list`): the router fetches each
 * cohort's shell from there and points the shell's assets at it.
 */
export const webCohortsSchema = z.strictObject({
  /** Hosting site id: the web canaries whose target.hostingSite is this one set the shares. */
  site: z.string().regex(/^[a-z0-9-]{1,63}$/, { error: 'expected a Hosting site id' }),
  /** The live channel's URL (https://SITE.web.app): the stable shell, and the fallback. */
  liveUrl: origin,
  channelUrls: z.strictObject({ alpha: origin.optional(), beta: origin.optional() }).default({}),
  /**
   * Path of the app's HTML shell on every channel. Not /index.html: Hosting serves a file that
   * exists before it applies a rewrite, so a deployed index.html would answer `/` itself.
   */
  shellPath: z.string().regex(/^\/[A-Za-z0-9._~/-]{0,200}$/, { error: 'expected an absolute path such as /shell.html' }).default('/shell.html'),
  /** How long an instance keeps the shares it read: the most a rollback waits to reach every user. */
  sharesTtlMs: z.number().int().min(0).max(60_000).default(5_000),
  /** How long a fetched shell is kept (per channel and release). */
  shellTtlMs: z.number().int().min(0).max(3_600_000).default(60_000),
});
export type WebCohortsConfig = z.output<typeof webCohortsSchema>;
