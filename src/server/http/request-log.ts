import type { RequestHandler } from 'express';
import type { Log } from '../../core/log.js';
import { REQUEST_ID_HEADER, requestIdFor } from '../../http/request-id.js';

/** Paths that name their event; a handler that learns it otherwise sets `res.locals.eventId`. */
const EVENT_IN_PATH = /^\/(?:watch|embed|api\/admin\/events)\/([a-z0-9][a-z0-9-]{0,62})(?:\/|$)/;

/**
 * One line per request: its id (also answered as X-Request-Id, so an operator can find the line a
 * user reports), method, path without its query (which may hold `?code=` or `?token=`), status,
 * time, address, and the event when known.
 */
export function requestLog(log: Log): RequestHandler {
  return function logRequest(req, res, next) {
    const started = performance.now();
    const requestId = requestIdFor(req);
    res.locals.requestId = requestId;
    res.setHeader(REQUEST_ID_HEADER, requestId);
    res.on('finish', () => {
      const eventId = (res.locals.eventId as string | undefined) ?? EVENT_IN_PATH.exec(req.path)?.[1];
      logRequestLine(log, { requestId, method: req.method, path: req.path, status: res.statusCode, started, ip: req.ip ?? null, eventId });
    });
    next();
  };
}

/** The line itself, also for the routes answered before Express (plain-json-route.ts). */
export function logRequestLine(
  log: Log,
  line: { requestId: string; method: string; path: string; status: number; started: number; ip: string | null; eventId: string | undefined },
): void {
  const { requestId, method, path, status, started, ip, eventId } = line;
  log.info('request', { requestId, method, path, status, ms: Math.round(performance.now() - started), ip: ip ?? undefined, eventId });
}
