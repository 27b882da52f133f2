import express, { type Request, type RequestHandler } from 'express';
import typeIs from 'type-is';
import { AppError } from '../core/errors.js';

export interface JsonBodyOptions {
  /** Largest body, decompressed (body-parser's notation, e.g. '16kb'). */
  limit: string;
  /** Media types read as JSON. */
  types: string[];
  /** Requests whose body is not JSON and is read by their own route (an image upload). */
  ownBody?: (req: Request) => boolean;
}

/**
 * Request bodies are JSON in UTF-8, not compressed (SPEC §3). A body of another media type is 415
 * here, rather than being skipped and then reported as a missing field; a request without a body
 * passes. Another charset, or any Content-Encoding but identity, is body-parser's own 415
 * (body-errors.ts): no browser or script of ours compresses a 16 KiB body, and a decompressor is
 * one more thing an unauthenticated client could feed.
 */
export function jsonBody(options: JsonBodyOptions): RequestHandler[] {
  const parse = express.json({ limit: options.limit, type: options.types, inflate: false });
  const requireJson: RequestHandler = function requireJsonBody(req, _res, next) {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (hasBody && !typeIs(req, options.types) && !options.ownBody?.(req)) {
      return next(new AppError(415, 'unsupported_media_type', 'The request body must be JSON (Content-Type: application/json).'));
    }
    next();
  };
  return [requireJson, parse];
}
