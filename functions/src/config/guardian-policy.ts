import { z } from 'zod';

/**
 * The guardian's five checks and their policies: kept in Firestore `config/guardian`, validated
 * with this schema, and replaced by the shipped defaults below where a field is missing.
 */

const severity = z.enum(['critical', 'high', 'medium', 'low']);

/** Fields every check shares: `failOpen` lets an `error` (GitHub down) pass instead of blocking. */
const common = { enabled: z.boolean().default(true), failOpen: z.boolean().default(false) };

/**
 * Paths that can never be unprotected by configuration: the policy itself (its schema here and any
 * copy kept in the repository) and the workflows that call the gate.
 */
export const ALWAYS_PROTECTED = [
  'functions/src/config/guardian-policy.ts',
  '.github/guardian-policy.*',
  '.github/workflows/guardian-gate.yml',
];

export const GuardianPolicySchema = z.object({
  /** After this the gate answers; a check still running is `error`. */
  deadlineMs: z.number().int().min(50).max(60_000).default(10_000),
  checks: z
    .object({
      protectedPaths: z
        .object({
          ...common,
          globs: z.array(z.string().min(1).max(200)).max(200).default(['firestore.rules', 'firebase.json', '.github/workflows/**', 'functions/src/config/**']),
          /** GitHub logins whose approval allows a change to a protected path. */
          owners: z.array(z.string().min(1).max(39)).max(100).default([]),
        })
        .prefault({}),
      prLimits: z
        .object({
          ...common,
          maxPullRequests: z.number().int().min(1).default(50),
          maxFilesPerPr: z.number().int().min(1).default(100),
          maxLinesPerPr: z.number().int().min(1).default(2000),
          requireApproval: z.boolean().default(true),
        })
        .prefault({}),
      securityScan: z.object({ ...common, minSeverity: severity.default('high') }).prefault({}),
      benchmarks: z
        .object({
          ...common,
          checkName: z.string().min(1).max(200).default('benchmarks'),
          /** A reported number above this (percent slower than the baseline) fails the check. */
          maxRegressionPercent: z.number().min(0).default(10),
        })
        .prefault({}),
      dependencyAudit: z.object({ ...common, minSeverity: severity.default('high') }).prefault({}),
    })
    .prefault({}),
  /** Labels of the bugs counted by the canary gates (each counted together with `release:<tag>`). */
  bugLabels: z.array(z.string().min(1).max(50)).max(10).default(['P0', 'P1']),
});

export type GuardianPolicy = z.infer<typeof GuardianPolicySchema>;
export type GuardianCheckName = keyof GuardianPolicy['checks'];

/** The shipped defaults: the schema applied to an empty document. */
export const defaultGuardianPolicy: GuardianPolicy = GuardianPolicySchema.parse({});
