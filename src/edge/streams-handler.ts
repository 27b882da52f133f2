import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { bearerToken, TokenError, type PlaybackClaims } from '../core/playback-token.js';
import { isLinkToken } from '../core/sessions/link-token.js';
import { clientAddress } from '../http/client-address.js';
import { REQUEST_ID_HEADER, requestIdFor } from '../http/request-id.js';
import { ByteCache } from './byte-cache.js';
import { createClaimsVerifier, type ClaimsVerifier } from './claims-verifier.js';
import type { EdgeDeps } from './deps.js';
import { parseHlsPath, type HlsTarget } from './hls-path.js';
import { HotFiles } from './hot-files.js';
import type { HeaderList } from './header-list.js';
import { sendBytes, sendFile, sendJson, sendPlaylistText } from './hls-response.js';
import type { EdgeMetrics } from './metrics.js';
import { OriginFetcher } from './origin-fetcher.js';
import { PlaylistAnswers } from './playlist-answers.js';
import { holdForLowLatency } from './low-latency-hold.js';
import { headOf, looksEncrypted } from './public-segments.js';

const MESSAGES = { 401: ['unauthorized', 'Access denied.'], 403: ['forbidden', 'Access denied.'], 404: ['not_found', 'No such file.'] } as const;
/** Request paths kept parsed: players ask for the same playlists and segments again and again. */
const MAX_PARSED_PATHS = 10_000;

export interface StreamsHandler {
  /**
   * Answers `GET|HEAD /streams<url>`; `url` is the rest of the request target, query included.
   * `base`: the headers every answer carries (MEDIA_HEADERS, and CORS on the stand-alone edge).
   */
  (req: IncomingMessage, res: ServerResponse, url: string, base: HeaderList): Promise<void>;
  /** Stops watching the HLS folders. */
  close(): void;
  /** The segment and playlist bytes held in memory (EDGE_CACHE_MB). */
  cache: ByteCache;
  /**
   * Answers `GET|HEAD /segments<url>` (EDGE_SEGMENT_ACCESS=public): an encrypted event's segment
   * without a token, cacheable by anyone; 404 for anything else.
   */
  publicSegment(req: IncomingMessage, res: ServerResponse, url: string, base: HeaderList): Promise<void>;
}

/**
 * `GET|HEAD /streams/:eventId/<file>` on plain node:http, the edge's hot path. In this order: the
 * token (cryptography alone, cached), the path (parsed, then resolved inside the event's folder),
 * the token's event, the revocation list (every request), then the file, from memory when it is
 * hot (HotFiles) or from disk. Nothing is read or cached for a request refused before the file.
 */
/** `verify`: shared with the key handler, so a viewer's token is verified once for both. */
export function createStreamsHandler(deps: EdgeDeps, metrics: EdgeMetrics, options: { trustedProxyHops?: number; verify?: ClaimsVerifier } = {}): StreamsHandler {
  const { config, log } = deps;
  const files = new HotFiles(path.join(config.dataDir, 'hls'), new ByteCache(config.edgeCacheMb * 1024 * 1024), log);
  const origin =
    config.edgeMode !== 'local' && config.edgeOriginUrl ? new OriginFetcher(config.edgeOriginUrl.replace(/\/$/, ''), () => metrics.upstreamFetches.inc()) : null;

  // EDGE_SEGMENT_ACCESS=public: where playlists point encrypted segments (SEGMENT_BASE_URL, or here).
  const publicBase = config.edgeSegmentAccess === 'public' ? (config.segmentBaseUrl ?? '') : null;
  // A playlist as served to a token holder (public segment URIs, ?token= on the rest), made once per version of the file.
  const playlists = new PlaylistAnswers(publicBase);
  const playlistText = (target: HlsTarget, text: string, queryToken: string | null): string =>
    playlists.answer(target.eventId, target.relativePath, text, queryToken) ?? text;

  // Each answer's X-Request-Id rides in its header list rather than res.setHeader: one header set
  // that way makes node:http take every header of writeHead through setHeader again.
  const requestIds = new WeakMap<ServerResponse, string>();
  const withRequestId = (req: IncomingMessage, res: ServerResponse, base: HeaderList): HeaderList => {
    const requestId = requestIdFor(req);
    requestIds.set(res, requestId);
    return [...base, REQUEST_ID_HEADER, requestId];
  };

  const refuse = (res: ServerResponse, base: HeaderList, status: 401 | 403 | 404, reason: string, urlPath: string) => {
    if (status !== 404) log.info('stream request refused', { requestId: requestIds.get(res), eventId: eventIdIn(urlPath), status, reason, path: urlPath });
    const [code, message] = MESSAGES[status];
    sendJson(res, status, { error: { code, message } }, base);
  };

  const byStatus = new Map<number, { inc(): void }>();
  // One listener for every response (`this` is the response): no closure made per request.
  function countFinished(this: ServerResponse) {
    let counter = byStatus.get(this.statusCode);
    if (!counter) byStatus.set(this.statusCode, (counter = metrics.requests.labels({ status: this.statusCode })));
    counter.inc();
  }

  const parsed = new Map<string, HlsTarget>();
  const targetOf = (urlPath: string): HlsTarget | null => {
    const known = parsed.get(urlPath);
    if (known) return known;
    const target = parseHlsPath(urlPath);
    if (!target) return null;
    if (parsed.size >= MAX_PARSED_PATHS) parsed.delete(parsed.keys().next().value!);
    parsed.set(urlPath, target);
    return target;
  };

  const claimsFor = options.verify ?? createClaimsVerifier(deps, metrics);

  const handle = async (req: IncomingMessage, res: ServerResponse, url: string, base: HeaderList): Promise<void> => {
    res.on('finish', countFinished);
    const queryAt = url.indexOf('?');
    const urlPath = queryAt < 0 ? url : url.slice(0, queryAt);
    // ?token= only when enabled, and never preferred over the header. The query is never logged.
    const headerToken = bearerToken(req.headers.authorization);
    const queryTokens = !headerToken && config.edgeQueryTokens && queryAt >= 0 ? new URLSearchParams(url.slice(queryAt + 1)).getAll('token') : [];
    const queryToken = queryTokens.length === 1 ? queryTokens[0]! : null;
    const token = headerToken ?? queryToken;
    if (!token) return refuse(res, base, 401, 'no bearer token', urlPath);
    const target = targetOf(urlPath);
    // A personal link (native players): exchanged for its session's claims and playback token.
    let link: { claims: PlaybackClaims; token: string } | null = null;
    if (queryToken && isLinkToken(queryToken)) {
      if (!deps.native) return refuse(res, base, 401, 'links are not served here', urlPath);
      if (!target) return refuse(res, base, 404, 'bad path', urlPath);
      const clientIp = clientAddress(req, options.trustedProxyHops ?? 0);
      const resolution = await deps.native.links.resolve(queryToken, target.eventId, { clientIp, userAgent: req.headers['user-agent'] ?? null });
      if (!resolution.ok) return resolution.status === 503 ? unavailable(res, base) : refuse(res, base, resolution.status, resolution.reason, urlPath);
      link = resolution;
    }
    let claims: PlaybackClaims;
    try {
      claims = link ? link.claims : claimsFor(token);
    } catch (error) {
      if (error instanceof TokenError) return refuse(res, base, 401, error.message, urlPath);
      throw error;
    }
    if (!target) return refuse(res, base, 404, 'bad path', urlPath);
    if (claims.eid !== target.eventId) return refuse(res, base, 403, 'token for another event', urlPath);
    if (deps.revocations.isRevoked(claims)) return refuse(res, base, 403, 'revoked', urlPath);
    // Served: the platform hears of it in the next report, which counts as the session's heartbeat.
    // An operator's preview is no viewer: never reported, so never counted.
    if (!claims.preview) deps.native?.reporter.seen(claims, Boolean(link));
    // Bytes delivered (viewer analytics), counted once the body has gone out whole.
    const delivered = (bytes: number): void => {
      const reporter = deps.native?.reporter;
      if (!reporter || bytes === 0 || req.method !== 'GET') return;
      const eventId = target.eventId;
      res.once('finish', () => reporter.sent(eventId, bytes));
    };
    // Only what may be held takes this way; segments in memory and plain playlists do not.
    const mayHold = target.isPlaylist ? queryAt >= 0 && url.includes('_HLS_', queryAt) : target.relativePath.endsWith('.m4s') && !files.peek(target);
    if (config.edgeMode !== 'proxy' && mayHold) {
      // LL-HLS: a blocking reload, a delta playlist, or the part the preload hint names.
      let closed = false;
      res.once('close', () => (closed = true));
      metrics.heldRequests.inc();
      const outcome = await holdForLowLatency(files, target, queryAt >= 0 ? url.slice(queryAt + 1) : null, () => closed).finally(() => metrics.heldRequests.dec());
      if (closed) return;
      if (outcome.kind !== 'serve') {
        // Held for a while, perhaps: the token and the revocation list are asked again.
        if (claims.exp * 1000 <= deps.clock()) return refuse(res, base, 401, 'expired while held', urlPath);
        if (deps.revocations.isRevoked(claims)) return refuse(res, base, 403, 'revoked', urlPath);
      }
      if (outcome.kind === 'refuse') return sendJson(res, outcome.status, { error: { code: outcome.code, message: outcome.message } }, base);
      if (outcome.kind === 'playlist') {
        if (playlists.rewrites(queryToken)) return delivered(sendPlaylistText(req, res, target, playlistText(target, outcome.text, queryToken), base));
        return delivered(sendBytes(req, res, target, Buffer.from(outcome.text), base));
      }
      if (deps.revocations.isRevoked(claims)) return refuse(res, base, 403, 'revoked', urlPath);
    }
    const file = config.edgeMode === 'proxy' ? null : (files.peek(target) ?? (await files.get(target)));
    if (!file && origin) {
      const upstream = await origin.get(target, `Bearer ${link ? link.token : token}`, mayHold && target.isPlaylist ? reloadQuery(url.slice(queryAt + 1)) : null);
      if (upstream.status === 404) return refuse(res, base, 404, 'not at the origin', urlPath);
      if (upstream.status === 400) return sendJson(res, 400, { error: { code: 'bad_request', message: 'That reload cannot be answered.' } }, base);
      if (upstream.status === 503 && !upstream.body) return sendJson(res, 503, { error: { code: 'not_yet', message: 'The stream did not reach that part in time.' } }, base);
      // Held at the origin for a while, perhaps: the revocation list is asked again.
      if (mayHold && deps.revocations.isRevoked(claims)) return refuse(res, base, 403, 'revoked', urlPath);
      if (!upstream.body) {
        log.warn('origin failed', { requestId: requestIds.get(res), eventId: target.eventId, status: upstream.status, path: urlPath });
        return sendJson(res, upstream.status, { error: { code: 'upstream_unavailable', message: 'The origin did not answer.' } }, base);
      }
      if (playlists.rewrites(queryToken) && target.isPlaylist) return delivered(sendPlaylistText(req, res, target, playlistText(target, upstream.body.toString('utf8'), queryToken), base));
      return delivered(sendBytes(req, res, target, upstream.body, base));
    }
    if (!file) return refuse(res, base, 404, 'no such file', urlPath);
    if (playlists.rewrites(queryToken) && target.isPlaylist) {
      // A playlist in memory is decoded and rewritten once per version of the file, not per reload.
      const source = file.bytes ?? (await fs.promises.readFile(file.realPath, 'utf8').catch(() => null));
      if (source === null) return refuse(res, base, 404, 'no such file', urlPath);
      const served = playlists.answer(target.eventId, target.relativePath, source, queryToken);
      // An unencrypted playlist without ?token= is the file as it is: the hot path below.
      if (served !== null) return delivered(sendPlaylistText(req, res, target, served, base));
    }
    return delivered(sendFile(req, res, target, file, base, () => refuse(res, base, 404, 'send failed', urlPath)));
  };

  // Served requests are not logged one by one (too costly); the id still ties a refusal's log
  // line, or an error, to what the player saw.
  const handler = (req: IncomingMessage, res: ServerResponse, url: string, given: HeaderList) => {
    const base = withRequestId(req, res, given);
    return handle(req, res, url, base).catch((error: unknown) => {
      log.error('unhandled error', { requestId: requestIds.get(res), method: req.method, path: url.split('?')[0], error: (error as Error)?.stack ?? String(error) });
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'internal', message: 'Something went wrong on our side.' } }, base);
      else res.destroy();
    });
  };
  const publicSegment = async (req: IncomingMessage, res: ServerResponse, url: string, base: HeaderList): Promise<void> => {
    res.on('finish', countFinished);
    publicRequests.inc();
    const queryAt = url.indexOf('?');
    const urlPath = queryAt < 0 ? url : url.slice(0, queryAt);
    const target = publicBase === null ? null : targetOf(urlPath);
    if (!target || !target.relativePath.endsWith('.ts')) return refuse(res, base, 404, 'not a public segment', urlPath);
    const file = config.edgeMode === 'proxy' ? null : (files.peek(target) ?? (await files.get(target)));
    if (!file && origin) {
      const upstream = await origin.get(target, null);
      if (!upstream.body) return upstream.status === 404 ? refuse(res, base, 404, 'not at the origin', urlPath) : sendJson(res, upstream.status, { error: { code: 'upstream_unavailable', message: 'The origin did not answer.' } }, base);
      if (!looksEncrypted(upstream.body, upstream.body.length)) return refuse(res, base, 404, 'segment in clear', urlPath);
      return void sendBytes(req, res, target, upstream.body, base, true);
    }
    if (!file) return refuse(res, base, 404, 'no such file', urlPath);
    // Only ciphertext is public: a segment of an event in clear is never served here.
    if (!looksEncrypted(await headOf(file), file.size)) return refuse(res, base, 404, 'segment in clear', urlPath);
    sendFile(req, res, target, file, base, () => refuse(res, base, 404, 'send failed', urlPath), true);
  };
  const publicRequests = metrics.publicSegmentRequests;

  const publicHandler = (req: IncomingMessage, res: ServerResponse, url: string, given: HeaderList) => {
    const base = withRequestId(req, res, given);
    return publicSegment(req, res, url, base).catch((error: unknown) => {
      log.error('unhandled error', { requestId: requestIds.get(res), method: req.method, path: url.split('?')[0], error: (error as Error)?.stack ?? String(error) });
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'internal', message: 'Something went wrong on our side.' } }, base);
      else res.destroy();
    });
  };
  return Object.assign(handler, { close: () => files.close(), cache: files.cache, publicSegment: publicHandler });
}

/** A query's LL-HLS parameters alone, in a fixed order (the token, if any, stays here): the key of one held upstream request. */
function reloadQuery(query: string): string | null {
  const params = new URLSearchParams(query);
  const kept = new URLSearchParams();
  for (const name of ['_HLS_msn', '_HLS_part', '_HLS_skip']) for (const value of params.getAll(name)) kept.append(name, value);
  const text = kept.toString();
  return text || null;
}

/** The event a `/<eventId>/…` path names, when it looks like an event id. */
function eventIdIn(urlPath: string): string | undefined {
  const id = urlPath.split('/', 2)[1];
  return id && /^[a-z0-9][a-z0-9-]{0,62}$/.test(id) ? id : undefined;
}

function unavailable(res: ServerResponse, base: HeaderList): void {
  sendJson(res, 503, { error: { code: 'platform_unavailable', message: 'Try again in a moment.' } }, base, ['Retry-After', '5']);
}

