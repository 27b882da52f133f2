import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/**
 * A year, this host only: a StreamGate box is often one name among others of an organisation,
 * whose other hosts (includeSubDomains) it must not force onto HTTPS.
 */
export const HSTS_VALUE = 'max-age=31536000';

/**
 * Whether the viewer's request came over HTTPS: on our own TLS listener, or (with trusted proxy hops)
 * through a proxy that says so in X-Forwarded-Proto (its first value, in any case: a scheme is
 * case-insensitive). Every HTTPS-only header and cookie flag of the edge and the platform is
 * decided here, never by Express's `req.secure` (which takes only lower case), so they agree.
 * With 0 hops the header is ignored: a client cannot claim HTTPS over plain HTTP.
 */
export function isHttpsRequest(req: IncomingMessage, trustedHops: number): boolean {
  if ((req.socket as TLSSocket).encrypted) return true;
  if (trustedHops === 0) return false;
  const proto = req.headers['x-forwarded-proto'];
  const first = (Array.isArray(proto) ? proto[0] : proto)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}
