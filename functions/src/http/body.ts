import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { HttpError } from './errors';
import { loneSurrogatesIn, MAX_JSON_DEPTH, nestedDeeperThan } from './json-guard';

/** Bodies larger than this are refused with 413 before any parsing. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** Reads the stream with events (an async iterator per request costs measurably more at ingest rates). */
function readStream(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData);
      req.resume();
      reject(new HttpError(413, { error: 'payload_too_large', limitBytes: limit }));
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/**
 * The request's bytes, at most `limit` of them (else an HttpError 413, before reading when the
 * declared length says so). In Cloud Functions the framework has already consumed the stream and
 * left the bytes in `req.rawBody`; elsewhere (tests, local runner) the stream is read here.
 */
export async function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new HttpError(413, { error: 'payload_too_large', limitBytes: limit });
  const pre = (req as IncomingMessage & { rawBody?: unknown }).rawBody;
  const raw = Buffer.isBuffer(pre) ? pre : await readStream(req, limit);
  if (raw.length > limit) throw new HttpError(413, { error: 'payload_too_large', limitBytes: limit });
  return raw;
}

/**
 * Reads the raw body (readRawBody) as JSON whatever the Content-Type says: curl `-d` sends
 * application/x-www-form-urlencoded. The parsed value is left in `req.body` and the bytes in
 * `res.locals.rawBody`. A body nested deeper than MAX_JSON_DEPTH, or carrying a lone surrogate, is
 * refused here, before anything reads it.
 */
export function jsonBody(limit = BODY_LIMIT_BYTES) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    // What a framework may have parsed already (any depth, any content) is never used: only what passes here.
    req.body = undefined;
    try {
      if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS' || req.method === 'DELETE') return next();
      const raw = await readRawBody(req, limit);
      res.locals.rawBody = raw;
      const text = raw.toString('utf8').trim();
      if (text === '') {
        req.body = {};
        return next();
      }
      if (nestedDeeperThan(text, MAX_JSON_DEPTH)) {
        throw new HttpError(400, { error: 'too_deep', detail: `JSON nested deeper than ${MAX_JSON_DEPTH} levels is refused`, maxDepth: MAX_JSON_DEPTH });
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text) as unknown;
      } catch {
        throw new HttpError(400, { error: 'malformed_json', detail: 'the body must be one JSON object (it is read as JSON whatever the Content-Type)' });
      }
      const lone = loneSurrogatesIn(text, parsed);
      if (lone.length > 0) {
        throw new HttpError(400, {
          error: 'invalid_request',
          in: 'body',
          fields: lone.map((field) => ({ field, message: 'a lone UTF-16 surrogate is not text (send valid Unicode)' })),
        });
      }
      req.body = parsed;
      next();
    } catch (err) {
      next(err);
    }
  };
}
