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
    const answer = errorAnswer(thrown, log, { requestId: res.locals.requestId as string | undefined, method: req.method, path: req.path });
    if (answer.retryAfter !== undefined) res.setHeader('Retry-After', String(answer.retryAfter));
    res.status(answer.status).json(answer.body);
  };
}

/** Who asked, for the log line of a failed request. */
export interface RequestContext {
  requestId: string | undefined;
  method: string | undefined;
  path: string;
}

/** The answer to a failed request (and its log line): for handlers inside Express and before it alike. */
export function errorAnswer(thrown: unknown, log: Log, request: RequestContext): { status: number; body: unknown; retryAfter?: number } {
  const error = toDatabaseError(thrown);
  if (error !== thrown) log.warn('database unavailable', { ...request, error: (thrown as Error).message });
  if (error instanceof AppError) {
    const retryAfter = error.details?.retryAfter;
    const sayWhen = (error.status === 429 || error.status === 409 || error.status === 503) && typeof retryAfter === 'number';
    return { status: error.status, body: withApiFieldNames(error).toJSON(), ...(sayWhen ? { retryAfter } : {}) };
  }
  // body-parser's own errors (too large, malformed JSON, a charset or encoding it cannot read) and
  // the router's (a malformed %-escape): the client's, so one line at info level and no stack.
  const refusal = clientErrorOf(error);
  if (refusal) {
    log.info('request refused', { ...request, status: refusal.status, reason: (error as { type?: string }).type ?? refusal.code });
    return { status: refusal.status, body: refusal.toJSON() };
  }
  log.error('unhandled error', { ...request, error: (error as Error)?.stack ?? String(error) });
  return { status: 500, body: new AppError(500, 'internal', 'Something went wrong on our side.').toJSON() };
}

export const notFoundHandler: RequestHandler = (_req, res) => {
  res.status(404).json(new AppError(404, 'not_found', 'No such resource.').toJSON());
};
