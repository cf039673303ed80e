/**
 * Where the cohort router gets a channel's HTML shell: one GET of a URL the configuration names.
 * Failure is data (the router then falls back), never an exception.
 */
export type ShellFetch = { ok: true; html: string } | { ok: false; error: string };

export interface ShellSource {
  fetchShell(url: string): Promise<ShellFetch>;
}
