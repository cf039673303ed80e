import type { z } from 'zod';

/** `['windows', 3, 'canary', 'errors']` -> `windows[3].canary.errors`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/**
 * The first problem of a zod error as one line, `path: message` (e.g.
 * `channels.beta.red.errorRate: must be <= 1`), so CLIs and HTTP answers can name the field.
 */
export function describeZodError(error: z.ZodError, root = ''): string {
  const issue = error.issues[0];
  if (!issue) return `${root || '(root)'}: invalid`;
  let path = [...issue.path];
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    path = [...path, issue.keys[0] ?? '?'];
    message = 'unknown field';
  } else if (issue.code === 'invalid_type' && message.startsWith('Invalid input: expected')) {
    message = message.replace('Invalid input: expected', 'must be').replace(', received undefined', '');
    if (/received undefined/.test(issue.message)) message = 'is required';
  }
  const where = formatPath(path);
  const full = root && where ? `${root}.${where}` : root || where || '(root)';
  return `${full}: ${message}`;
}
