import { z } from 'zod';
import type { WindowSample } from '../core/types';
import { describeZodError } from './policy-paths';

/**
 * A replay scenario, exactly as shared/spec/replay-format.md describes it. Unknown fields are
 * ignored (a "description" someone added must not make a scenario unplayable).
 */

const count = z
  .number({ error: 'must be a number' })
  .int({ error: 'must be an integer' })
  .min(0, { error: 'must be >= 0' });

const histogramSchema = z
  .strictObject({
    bounds: z.array(z.number({ error: 'must be a number' }).refine(Number.isFinite, { error: 'must be finite' })).min(1, { error: 'must not be empty' }),
    counts: z.array(count),
  })
  .superRefine((h, ctx) => {
    for (let i = 1; i < h.bounds.length; i++) {
      if (h.bounds[i]! <= h.bounds[i - 1]!) ctx.addIssue({ code: 'custom', path: ['bounds', i], message: 'must be greater than the previous bound' });
    }
    if (h.counts.length !== h.bounds.length + 1) {
      ctx.addIssue({ code: 'custom', path: ['counts'], message: `must have ${h.bounds.length + 1} entries (bounds.length + 1)` });
    }
  });

const sideSchema = z
  .strictObject({
    requests: count,
    errors: count,
    clientErrors: count.optional(),
    successes: count.optional(),
    sessions: count.optional(),
    crashes: count.optional(),
    latencyMs: histogramSchema.optional(),
  })
  .superRefine((s, ctx) => {
    if (s.errors > s.requests) ctx.addIssue({ code: 'custom', path: ['errors'], message: 'must be <= requests' });
    if (s.clientErrors !== undefined && s.clientErrors > s.requests - s.errors) ctx.addIssue({ code: 'custom', path: ['clientErrors'], message: 'must be <= requests - errors' });
    if (s.successes !== undefined && s.successes > s.requests) ctx.addIssue({ code: 'custom', path: ['successes'], message: 'must be <= requests' });
    if (s.crashes !== undefined && s.crashes > (s.sessions ?? 0)) ctx.addIssue({ code: 'custom', path: ['crashes'], message: 'must be <= sessions' });
  });

const windowSchema = z.object({
  canary: sideSchema.nullable().optional(),
  baseline: sideSchema.nullable().optional(),
});

/** The external promotion gates as known before window 0 (the fields POST /canaries/{id}/gates takes). */
const gatesSchema = z.strictObject({
  loadTestPassed: z.boolean({ error: 'must be a boolean' }).optional(),
  crossPlatformValidated: z.boolean({ error: 'must be a boolean' }).optional(),
  securityScanPassed: z.boolean({ error: 'must be a boolean' }).optional(),
  guardianPassed: z.boolean({ error: 'must be a boolean' }).optional(),
  userFeedbackScore: z.number({ error: 'must be a number' }).min(0, { error: 'must be >= 0' }).max(5, { error: 'must be <= 5' }).optional(),
  openP0P1Bugs: count.optional(),
});

export const scenarioSchema = z.object({
  name: z.string({ error: 'must be a string' }),
  platform: z.enum(['web', 'desktop', 'mobile'], { error: 'must be one of web, desktop, mobile' }),
  channel: z.enum(['alpha', 'beta', 'stable'], { error: 'must be one of alpha, beta, stable' }),
  release: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }),
  previousRelease: z.string({ error: 'must be a string' }),
  start: z.iso.datetime({ offset: true, error: 'must be an RFC 3339 time' }),
  windowSeconds: z.number({ error: 'must be a number' }).int({ error: 'must be an integer' }).positive({ error: 'must be > 0' }),
  windows: z.array(windowSchema, { error: 'must be an array' }),
  gates: gatesSchema.optional(),
});

export type Scenario = z.infer<typeof scenarioSchema>;

/** The scenario, or one line naming the first bad field (`windows[3].canary.errors: must be <= requests`). */
export function parseScenario(json: unknown): { ok: true; scenario: Scenario } | { ok: false; error: string } {
  const r = scenarioSchema.safeParse(json);
  return r.success ? { ok: true, scenario: r.data } : { ok: false, error: describeZodError(r.error) };
}

/** The scenario's windows as the evaluator takes them (times in ms). */
export function scenarioWindows(s: Scenario): WindowSample[] {
  const start = Date.parse(s.start);
  const durationMs = s.windowSeconds * 1000;
  return s.windows.map((w, i) => ({ start: start + i * durationMs, durationMs, canary: w.canary ?? null, baseline: w.baseline ?? null }));
}
