import type { ErrorRequestHandler, RequestHandler } from 'express';
import { toDatabaseError } from '../core/database-errors.js';
import { AppError } from '../core/errors.js';
import type { Log } from '../core/log.js';
import { clientErrorOf } from './body-errors.js';
import { withApiFieldNames } from './field-names.js';

/**
 * The one error middleware: AppErrors answer as themselves, a lost database connection as 503
 * `database_unavailable`; anything else is a logged, plain 500.
 */
export function errorHandler(log: Log): ErrorRequestHandler {
  return function handleError(thrown, req, res, _next) {
    const error = toDatabaseError(thrown);
    if (error !== thrown) log.warn('database unavailable', { requestId: res.locals.requestId, method: req.method, path: req.path, error: (thrown as Error).message });
    if (error instanceof AppError) {
      if (error.status === 429 || error.status === 409 || error.status === 503) {
        const retryAfter = error.details?.retryAfter;
        if (typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
      }
      res.status(error.status).json(withApiFieldNames(error).toJSON());
      return;
    }
    // body-parser's own errors (too large, malformed JSON, a charset or encoding it cannot read) and
    // the router's (a malformed %-escape): the client's, so one line at info level and no stack.
    const refusal = clientErrorOf(error);
    if (refusal) {
      log.info('request refused', { requestId: res.locals.requestId, method: req.method, path: req.path, status: refusal.status, reason: (error as { type?: string }).type ?? refusal.code });
      return void res.status(refusal.status).json(refusal.toJSON());
    }
    log.error('unhandled error', { requestId: res.locals.requestId, method: req.method, path: req.path, error: (error as Error)?.stack ?? String(error) });
    res.status(500).json(new AppError(500, 'internal', 'Something went wrong on our side.').toJSON());
  };
}

export const notFoundHandler: RequestHandler = (_req, res) => {
  res.status(404).json(new AppError(404, 'not_found', 'No such resource.').toJSON());
};
