import { z } from 'zod';

export const GITHUB_OIDC_ISSUER = 'https://token.actions.githubusercontent.com';

/**
 * Which GitHub Actions runs may call the API with an OIDC token (OIDC_POLICY param, JSON). Claims
 * are matched one by one (repository, repository_id, ref, environment), never as a `sub` string,
 * whose format GitHub changed for repositories created after 2026-07-15.
 */
export const OidcPolicySchema = z.object({
  audience: z.string().min(1),
  issuer: z.string().url().default(GITHUB_OIDC_ISSUER),
  jwksUrl: z.string().url().optional(),
  /** owner/name, compared case-insensitively. Empty: no repository is allowed. */
  repositories: z.array(z.string().min(3)).default([]),
  /** When set, the numeric repository_id must be one of these too (survives renames and re-creations). */
  repositoryIds: z.array(z.string().regex(/^\d+$/)).default([]),
  /** picomatch globs on the `ref` claim, e.g. "refs/tags/v*". Empty: any ref. */
  refs: z.array(z.string().min(1)).default([]),
  /** Allowed `environment` claims. Empty: any (or none). */
  environments: z.array(z.string().min(1)).default([]),
});

export type OidcPolicy = z.infer<typeof OidcPolicySchema>;

/** Parses the OIDC_POLICY param; an empty value turns OIDC off, an invalid one throws at start-up. */
export function parseOidcPolicy(raw: string): OidcPolicy | null {
  if (!raw.trim()) return null;
  return OidcPolicySchema.parse(JSON.parse(raw));
}
