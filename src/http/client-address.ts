import type { IncomingMessage } from 'node:http';

/**
 * The client's address as Express's `req.ip` finds it with `trust proxy` set to a hop count
 * (STREAMGATE_TRUST_PROXY_HOPS), for handlers that answer before Express: the socket's peer, then
 * `X-Forwarded-For` read from the right, believing at most `trustedHops` proxies. With 0 hops the
 * header is ignored, so no client can claim an address by sending it.
 */
export function clientAddress(req: IncomingMessage, trustedHops: number): string | null {
  const socketAddress = req.socket.remoteAddress ?? null;
  // node:http joins repeated X-Forwarded-For lines into one string.
  const header = req.headers['x-forwarded-for'] as string | undefined;
  if (trustedHops === 0 || !header) return socketAddress;
  // Nearest proxy first, as proxy-addr lists them; spaces (only spaces: a tab is part of the entry,
  // as for proxy-addr) around an entry dropped, and empty entries skipped, as it does.
  const forwarded = header.split(',').map((entry) => entry.replace(/^ +| +$/g, '')).filter((entry) => entry !== '').reverse();
  const chain = [socketAddress, ...forwarded];
  return chain[Math.min(trustedHops, chain.length - 1)] ?? null;
}
