import type { z } from 'zod';

/**
 * One line naming every failed field by its path, e.g.
 * `rollout.stageIndex: Invalid input: expected number, received string; createdAt: expected a Firestore Timestamp`.
 */
export function formatSchemaError(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((issue) => `${issue.path.length ? issue.path.map(String).join('.') : '(document)'}: ${issue.message}`)
    .join('; ');
}
