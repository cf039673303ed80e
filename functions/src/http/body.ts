import type { NextFunction, Request, Response } from 'express';
import { HttpError } from './errors';

/** Bodies larger than this are refused with 413 before any parsing. */
export const BODY_LIMIT_BYTES = 64 * 1024;

async function readStream(req: Request, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, { error: 'payload_too_large', limitBytes: limit });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Reads the raw body as JSON whatever the Content-Type says: curl `-d` sends
 * application/x-www-form-urlencoded. In Cloud Functions the framework has already consumed the
 * stream and left the bytes in `req.rawBody`; elsewhere (tests, local runner) the stream is read
 * here. The parsed value is left in `req.body` and the bytes in `res.locals.rawBody`.
 */
export function jsonBody(limit = BODY_LIMIT_BYTES) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS' || req.method === 'DELETE') return next();
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > limit) throw new HttpError(413, { error: 'payload_too_large', limitBytes: limit });
      const pre = (req as Request & { rawBody?: unknown }).rawBody;
      const raw = Buffer.isBuffer(pre) ? pre : await readStream(req, limit);
      if (raw.length > limit) throw new HttpError(413, { error: 'payload_too_large', limitBytes: limit });
      res.locals.rawBody = raw;
      const text = raw.toString('utf8').trim();
      if (text === '') {
        req.body = {};
        return next();
      }
      try {
        req.body = JSON.parse(text) as unknown;
      } catch {
        throw new HttpError(400, { error: 'malformed_json', detail: 'the body must be one JSON object (it is read as JSON whatever the Content-Type)' });
      }
      next();
    } catch (err) {
      next(err);
    }
  };
}
