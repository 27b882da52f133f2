import type { RequestHandler } from 'express';
import type { Log } from '../../core/log.js';

/** One line per request: method, path without its query (which may hold `?code=` or `?token=`), status, time. */
export function requestLog(log: Log): RequestHandler {
  return function logRequest(req, res, next) {
    const started = performance.now();
    res.on('finish', () => {
      log.info('request', { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(performance.now() - started), ip: req.ip });
    });
    next();
  };
}
