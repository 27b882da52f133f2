import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeHead, type HeaderList } from './header-list.js';

export interface Cors {
  /** `always` plus the CORS headers for the request's Origin: one list made per allowed origin. */
  headersFor(req: IncomingMessage): HeaderList;
  /** Answers a preflight (OPTIONS) with 204. */
  preflight(req: IncomingMessage, res: ServerResponse): void;
}

const PREFLIGHT: HeaderList = ['Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS', 'Access-Control-Allow-Headers', 'Authorization, Range', 'Access-Control-Max-Age', '600'];

/**
 * CORS for the configured player origins only. Preflights are answered without a token (browsers
 * never send one on OPTIONS) and cached for 10 minutes; `Vary: Origin` keeps caches honest.
 */
export function createCors(allowedOrigins: readonly string[], always: HeaderList): Cors {
  const anyOrigin: HeaderList = [...always, 'Vary', 'Origin'];
  const byOrigin = new Map<string, HeaderList>(
    allowedOrigins.map((origin) => [origin, [...anyOrigin, 'Access-Control-Allow-Origin', origin, 'Access-Control-Expose-Headers', 'Content-Length, Content-Range']]),
  );
  const headersFor = (req: IncomingMessage) => (req.headers.origin === undefined ? undefined : byOrigin.get(req.headers.origin)) ?? anyOrigin;
  return {
    headersFor,
    preflight(req, res) {
      const headers = headersFor(req);
      writeHead(res, 204, headers === anyOrigin ? headers : [...headers, ...PREFLIGHT]).end();
    },
  };
}
