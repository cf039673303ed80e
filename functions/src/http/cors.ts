import type { Request, Response } from 'express';
import type { IngestKey } from '../ports';

const ALLOWED_HEADERS = 'Content-Type, X-Firebase-AppCheck';

/**
 * CORS for a key's own browser origins only. A request without Origin is not from a browser page
 * (a desktop or mobile app, curl) and needs no CORS; one with an Origin the key does not list is
 * refused (403) and gets no CORS headers, so the page cannot read even that. Returns the headers
 * to answer with as name/value pairs (none without Origin), or null when refused.
 */
export function originHeaders(origin: string | undefined, key: IngestKey): string[] | null {
  if (origin === undefined) return [];
  if (!key.origins.includes(origin)) return null;
  return ['Access-Control-Allow-Origin', origin, 'Access-Control-Allow-Credentials', 'true', 'Vary', 'Origin'];
}

/** Answers an allowed preflight (204) and returns true; false when the key or origin does not allow it. */
export function preflight(req: Request, res: Response, key: IngestKey | null): boolean {
  const origin = req.headers.origin;
  if (!key || origin === undefined || !key.origins.includes(origin)) return false;
  res
    .status(204)
    .set({
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Credentials': 'true',
      'Access-Control-Allow-Methods': 'POST',
      'Access-Control-Allow-Headers': ALLOWED_HEADERS,
      'Access-Control-Max-Age': '600',
      Vary: 'Origin',
    })
    .end();
  return true;
}
