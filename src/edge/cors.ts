import type { RequestHandler } from 'express';

/**
 * CORS for the configured player origins only. Preflights are answered without a token (browsers
 * never send one on OPTIONS) and cached for 10 minutes; `Vary: Origin` keeps caches honest.
 */
export function cors(allowedOrigins: readonly string[]): RequestHandler {
  const allowed = new Set(allowedOrigins);
  return function applyCors(req, res, next) {
    res.vary('Origin');
    const origin = req.get('origin');
    if (origin && allowed.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Expose-Headers', 'Content-Length, Content-Range');
    }
    if (req.method !== 'OPTIONS') return next();
    if (origin && allowed.has(origin)) {
      res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Range');
      res.setHeader('Access-Control-Max-Age', '600');
    }
    res.status(204).end();
  };
}
