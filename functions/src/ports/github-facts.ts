/**
 * What the guardian needs to know from GitHub, in its own words (owned by the guardian issue; the
 * GitHub adapter implements it). Placeholder until that work lands.
 */
export interface GitHubFacts {
  readonly kind: 'github-facts';
}
