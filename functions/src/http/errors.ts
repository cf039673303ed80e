import type { Response } from 'express';
import type { z } from 'zod';

/** Thrown by handlers for an answer other than 2xx; the error middleware turns it into JSON. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: { error: string; [k: string]: unknown },
    readonly headers: Record<string, string> = {},
  ) {
    super(body.error);
  }
}

/** One readable path per offending field, e.g. "target.versionCodes.0". */
export function fieldIssues(error: z.ZodError, prefix = ''): { field: string; message: string }[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(body)',
    message: issue.message,
  }));
}

/** Parses with the schema or throws a 400 naming every offending field. */
export function parseOr400<T extends z.ZodType>(schema: T, value: unknown, where: 'body' | 'query' | 'path' | 'header'): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new HttpError(400, { error: 'invalid_request', in: where, fields: fieldIssues(parsed.error) });
  }
  return parsed.data;
}

export function sendJson(res: Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.status(status).set({ 'Cache-Control': 'no-store', ...headers }).json(body);
}
