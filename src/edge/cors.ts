import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * CORS for the configured player origins only. Preflights are answered without a token (browsers
 * never send one on OPTIONS) and cached for 10 minutes; `Vary: Origin` keeps caches honest.
 * Returns true when it answered the request itself (a preflight).
 */
export function createCors(allowedOrigins: readonly string[]): (req: IncomingMessage, res: ServerResponse) => boolean {
  const allowed = new Set(allowedOrigins);
  return function applyCors(req, res) {
    res.setHeader('Vary', 'Origin');
    const origin = req.headers.origin;
    const known = origin !== undefined && allowed.has(origin);
    if (known) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Expose-Headers', 'Content-Length, Content-Range');
    }
    if (req.method !== 'OPTIONS') return false;
    if (known) {
      res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Range');
      res.setHeader('Access-Control-Max-Age', '600');
    }
    res.writeHead(204).end();
    return true;
  };
}
