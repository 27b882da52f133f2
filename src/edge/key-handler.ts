import type { IncomingMessage, ServerResponse } from 'node:http';
import { EVENT_ID_PATTERN } from '../core/events/event-input.js';
import { KEY_ID_PATTERN } from '../core/hls-keys/hls-key-store.js';
import { bearerToken, TokenError, type PlaybackClaims } from '../core/playback-token.js';
import { isLinkToken } from '../core/sessions/link-token.js';
import { clientAddress } from '../http/client-address.js';
import { REQUEST_ID_HEADER, requestIdFor } from '../http/request-id.js';
import { createClaimsVerifier, type ClaimsVerifier } from './claims-verifier.js';
import type { EdgeDeps } from './deps.js';
import type { HeaderList } from './header-list.js';
import { sendJson } from './hls-response.js';
import { FallbackKeySource, LocalKeySource, OriginKeySource, type KeySource } from './key-source.js';
import type { EdgeMetrics } from './metrics.js';

const MESSAGES = { 401: ['unauthorized', 'Access denied.'], 403: ['forbidden', 'Access denied.'], 404: ['not_found', 'No such key.'] } as const;

export type KeyHandler = (req: IncomingMessage, res: ServerResponse, url: string, base: HeaderList) => Promise<void>;

/** The key source for the edge's mode: local files, the origin, or both (hybrid). */
export function keySourceFor(deps: EdgeDeps, onUpstreamFetch: () => void): KeySource {
  const { config, log, clock } = deps;
  const local = new LocalKeySource(config, log);
  if (config.edgeMode === 'local' || !config.edgeOriginUrl) return local;
  const origin = new OriginKeySource(config.edgeOriginUrl.replace(/\/$/, ''), config.hlsKeyRotationSeconds * 1000, clock, onUpstreamFetch);
  return config.edgeMode === 'proxy' ? origin : new FallbackKeySource(local, origin);
}

/**
 * `GET|HEAD /keys/:eventId/:keyId`: an encrypted event's AES-128 key, 16 bytes, to a viewer whose
 * token is for that event and not revoked, checked as for a playlist (header, or `?token=` when
 * EDGE_QUERY_TOKENS is on, personal links included). Never cacheable: a revoked viewer must come
 * back here for the next key, and be refused. `url` is the rest after `/keys`, query included.
 */
export function createKeyHandler(deps: EdgeDeps, metrics: EdgeMetrics, options: { trustedProxyHops?: number; source?: KeySource; verify?: ClaimsVerifier } = {}): KeyHandler {
  const { config, log } = deps;
  const source = options.source ?? keySourceFor(deps, () => metrics.upstreamFetches.inc());
  const verify = options.verify ?? createClaimsVerifier(deps, metrics);

  const answer = (res: ServerResponse, status: number) => metrics.keyRequests.labels({ status }).inc();
  // X-Request-Id rides in the header list, not res.setHeader (which sends writeHead's whole list through setHeader).
  const requestIds = new WeakMap<ServerResponse, string>();
  const refuse = (res: ServerResponse, base: HeaderList, status: 401 | 403 | 404, reason: string, eventId: string | undefined) => {
    if (status !== 404) log.info('key request refused', { requestId: requestIds.get(res), eventId, status, reason });
    answer(res, status);
    const [code, message] = MESSAGES[status];
    sendJson(res, status, { error: { code, message } }, base);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, url: string, base: HeaderList): Promise<void> => {
    const queryAt = url.indexOf('?');
    const [empty, eventId, keyId, ...rest] = (queryAt < 0 ? url : url.slice(0, queryAt)).split('/');
    const pathOk = empty === '' && rest.length === 0 && EVENT_ID_PATTERN.test(eventId ?? '') && KEY_ID_PATTERN.test(keyId ?? '');
    const headerToken = bearerToken(req.headers.authorization);
    const queryTokens = !headerToken && config.edgeQueryTokens && queryAt >= 0 ? new URLSearchParams(url.slice(queryAt + 1)).getAll('token') : [];
    const queryToken = queryTokens.length === 1 ? queryTokens[0]! : null;
    const token = headerToken ?? queryToken;
    const named = pathOk ? eventId : undefined;
    if (!token) return refuse(res, base, 401, 'no bearer token', named);
    if (!pathOk) return refuse(res, base, 404, 'bad key path', undefined);
    let claims: PlaybackClaims;
    let bearer = token;
    if (queryToken && isLinkToken(queryToken)) {
      if (!deps.native) return refuse(res, base, 401, 'links are not served here', eventId);
      const resolution = await deps.native.links.resolve(queryToken, eventId!, { clientIp: clientAddress(req, options.trustedProxyHops ?? 0), userAgent: req.headers['user-agent'] ?? null });
      if (!resolution.ok) {
        if (resolution.status === 503) {
          answer(res, 503);
          return sendJson(res, 503, { error: { code: 'platform_unavailable', message: 'Try again in a moment.' } }, base, ['Retry-After', '5']);
        }
        return refuse(res, base, resolution.status, resolution.reason, eventId);
      }
      claims = resolution.claims;
      bearer = resolution.token;
    } else {
      try {
        claims = verify(token);
      } catch (error) {
        if (error instanceof TokenError) return refuse(res, base, 401, error.message, eventId);
        throw error;
      }
    }
    if (claims.eid !== eventId) return refuse(res, base, 403, 'token for another event', eventId);
    if (deps.revocations.isRevoked(claims)) return refuse(res, base, 403, 'revoked', eventId);
    const found = await source.get(eventId!, keyId!, `Bearer ${bearer}`);
    if (found.status === 404) return refuse(res, base, 404, 'no such key', eventId);
    if (found.status === 403) return refuse(res, base, 403, 'refused by the origin', eventId);
    if (found.status !== 200) {
      log.warn('origin failed for a key', { requestId: requestIds.get(res), eventId, status: found.status });
      answer(res, found.status);
      return sendJson(res, found.status, { error: { code: 'upstream_unavailable', message: 'The origin did not answer.' } }, base);
    }
    answer(res, 200);
    // As a latin1 string (the same 16 bytes): node:http sends it with the headers in one write.
    res.writeHead(200, [...base, 'Content-Type', 'application/octet-stream', 'Cache-Control', 'no-store', 'Content-Length', String(found.key.length)]);
    res.end(req.method === 'HEAD' ? undefined : found.key.toString('latin1'), 'latin1');
  };

  return (req, res, url, given) => {
    const requestId = requestIdFor(req);
    requestIds.set(res, requestId);
    const base = [...given, REQUEST_ID_HEADER, requestId];
    return handle(req, res, url, base).catch((error: unknown) => {
      log.error('unhandled error', { requestId, method: req.method, path: '/keys', error: (error as Error)?.stack ?? String(error) });
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'internal', message: 'Something went wrong on our side.' } }, base);
      else res.destroy();
    });
  };
}
