import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError } from '../core/errors.js';
import type { Log } from '../core/log.js';
import { withApiFieldNames } from './field-names.js';

/** The one error middleware: AppErrors answer as themselves; anything else is a logged, plain 500. */
export function errorHandler(log: Log): ErrorRequestHandler {
  return function handleError(error, req, res, _next) {
    if (error instanceof AppError) {
      if (error.status === 429 || error.status === 409 || error.status === 503) {
        const retryAfter = error.details?.retryAfter;
        if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
      }
      res.status(error.status).json(withApiFieldNames(error).toJSON());
      return;
    }
    // body-parser's own errors (too large, malformed JSON) and the router's (a malformed %-escape)
    const status = (error as { status?: number; type?: string }).status;
    if (status === 413) return void res.status(413).json(new AppError(413, 'payload_too_large', 'The request body is larger than 16 KiB.').toJSON());
    if (status === 400) {
      const message = error instanceof URIError ? 'The request path is malformed.' : 'The request body is not valid JSON.';
      return void res.status(400).json(new AppError(400, 'invalid_request', message).toJSON());
    }
    log.error('unhandled error', { method: req.method, path: req.path, error: (error as Error)?.stack ?? String(error) });
    res.status(500).json(new AppError(500, 'internal', 'Something went wrong on our side.').toJSON());
  };
}

export const notFoundHandler: RequestHandler = (_req, res) => {
  res.status(404).json(new AppError(404, 'not_found', 'No such resource.').toJSON());
};
