import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/**
 * What an incoming X-Request-Id may be to be kept (a proxy's `$request_id`, a load balancer's
 * trace id): short, and only characters that cannot split a log line, fake a field or smuggle
 * markup. Anything else is replaced, never cleaned up, so a logged id is always one a client sent
 * whole or one we made.
 */
const SAFE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** The request's id: the caller's when it is short and safe, else a new random one. */
export function requestIdFor(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
}
