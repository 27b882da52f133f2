import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { bearerToken, TokenError, verifyPlaybackToken, type PlaybackClaims } from '../core/playback-token.js';
import { isLinkToken } from '../core/sessions/link-token.js';
import { ByteCache } from './byte-cache.js';
import { parseByteRange } from './byte-range.js';
import type { EdgeDeps } from './deps.js';
import { parseHlsPath, type HlsTarget } from './hls-path.js';
import { HotFiles, type HotFile } from './hot-files.js';
import type { EdgeMetrics } from './metrics.js';
import { OriginFetcher } from './origin-fetcher.js';
import { addTokenToPlaylist } from './playlist-tokens.js';
import { VerifiedTokenCache } from './token-cache.js';

const SEGMENT_MAX_AGE_S = 86_400;
const MESSAGES = { 401: ['unauthorized', 'Access denied.'], 403: ['forbidden', 'Access denied.'], 404: ['not_found', 'No such file.'] } as const;

export interface StreamsHandler {
  /** Answers `GET|HEAD /streams<url>`; `url` is the rest of the request target, query included. */
  (req: IncomingMessage, res: ServerResponse, url: string): Promise<void>;
  /** Stops watching the HLS folders. */
  close(): void;
  /** The segment and playlist bytes held in memory (EDGE_CACHE_MB). */
  cache: ByteCache;
}

/**
 * `GET|HEAD /streams/:eventId/<file>` on plain node:http, the edge's hot path. In this order: the
 * token (cryptography alone, cached), the path (parsed, then resolved inside the event's folder),
 * the token's event, the revocation list (every request), then the file, from memory when it is
 * hot (HotFiles) or from disk. Nothing is read or cached for a request refused before the file.
 */
export function createStreamsHandler(deps: EdgeDeps, metrics: EdgeMetrics): StreamsHandler {
  const { config, log } = deps;
  const tokens = new VerifiedTokenCache();
  const files = new HotFiles(path.join(config.dataDir, 'hls'), new ByteCache(config.edgeCacheMb * 1024 * 1024), log);
  const origin =
    config.edgeMode !== 'local' && config.edgeOriginUrl ? new OriginFetcher(config.edgeOriginUrl.replace(/\/$/, ''), () => metrics.upstreamFetches.inc()) : null;

  const refuse = (res: ServerResponse, status: 401 | 403 | 404, reason: string, urlPath: string) => {
    if (status !== 404) log.info('stream request refused', { status, reason, path: urlPath });
    const [code, message] = MESSAGES[status];
    sendJson(res, status, { error: { code, message } });
  };

  const claimsFor = (token: string): PlaybackClaims => {
    const now = deps.clock();
    const cached = tokens.get(token, now);
    metrics.verifyCache.inc({ result: cached ? 'hit' : 'miss' });
    if (cached) return cached;
    const claims = verifyPlaybackToken(token, deps.keyring, now, config.tokenMaxTtlSeconds);
    tokens.set(token, claims);
    return claims;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, url: string): Promise<void> => {
    res.on('finish', () => metrics.requests.inc({ status: res.statusCode }));
    const queryAt = url.indexOf('?');
    const urlPath = queryAt < 0 ? url : url.slice(0, queryAt);
    // ?token= only when enabled, and never preferred over the header. The query is never logged.
    const headerToken = bearerToken(req.headers.authorization);
    const queryTokens = !headerToken && config.edgeQueryTokens && queryAt >= 0 ? new URLSearchParams(url.slice(queryAt + 1)).getAll('token') : [];
    const queryToken = queryTokens.length === 1 ? queryTokens[0]! : null;
    const token = headerToken ?? queryToken;
    if (!token) return refuse(res, 401, 'no bearer token', urlPath);
    const target = parseHlsPath(urlPath);
    // A personal link (native players): exchanged for its session's claims and playback token.
    let link: { claims: PlaybackClaims; token: string } | null = null;
    if (queryToken && isLinkToken(queryToken)) {
      if (!deps.native) return refuse(res, 401, 'links are not served here', urlPath);
      if (!target) return refuse(res, 404, 'bad path', urlPath);
      const resolution = await deps.native.links.resolve(queryToken, target.eventId, { clientIp: clientIpOf(req), userAgent: req.headers['user-agent'] ?? null });
      if (!resolution.ok) return resolution.status === 503 ? unavailable(res) : refuse(res, resolution.status, resolution.reason, urlPath);
      link = resolution;
    }
    let claims: PlaybackClaims;
    try {
      claims = link ? link.claims : claimsFor(token);
    } catch (error) {
      if (error instanceof TokenError) return refuse(res, 401, error.message, urlPath);
      throw error;
    }
    if (!target) return refuse(res, 404, 'bad path', urlPath);
    if (claims.eid !== target.eventId) return refuse(res, 403, 'token for another event', urlPath);
    if (deps.revocations.isRevoked(claims)) return refuse(res, 403, 'revoked', urlPath);
    // Served: the platform hears of it in the next report, which counts as the session's heartbeat.
    deps.native?.reporter.seen(claims, Boolean(link));
    const file = config.edgeMode === 'proxy' ? null : await files.get(target);
    if (!file && origin) {
      const upstream = await origin.get(target, `Bearer ${link ? link.token : token}`);
      if (upstream.status === 404) return refuse(res, 404, 'not at the origin', urlPath);
      if (!upstream.body) {
        log.warn('origin failed', { status: upstream.status, path: urlPath });
        return sendJson(res, upstream.status, { error: { code: 'upstream_unavailable', message: 'The origin did not answer.' } });
      }
      const body = queryToken && target.isPlaylist ? Buffer.from(addTokenToPlaylist(upstream.body.toString('utf8'), queryToken)) : upstream.body;
      return sendBytes(req, res, target, body);
    }
    if (!file) return refuse(res, 404, 'no such file', urlPath);
    if (queryToken && target.isPlaylist) {
      const text = file.bytes ? file.bytes.toString('utf8') : await fs.promises.readFile(file.realPath, 'utf8').catch(() => null);
      if (text === null) return refuse(res, 404, 'no such file', urlPath);
      return sendBytes(req, res, target, Buffer.from(addTokenToPlaylist(text, queryToken)));
    }
    return sendFile(req, res, target, file, () => refuse(res, 404, 'send failed', urlPath));
  };

  const handler = (req: IncomingMessage, res: ServerResponse, url: string) =>
    handle(req, res, url).catch((error: unknown) => {
      log.error('unhandled error', { method: req.method, path: url.split('?')[0], error: (error as Error)?.stack ?? String(error) });
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'internal', message: 'Something went wrong on our side.' } });
      else res.destroy();
    });
  return Object.assign(handler, { close: () => files.close(), cache: files.cache });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', ...headers });
  res.end(text);
}

function unavailable(res: ServerResponse): void {
  sendJson(res, 503, { error: { code: 'platform_unavailable', message: 'Try again in a moment.' } }, { 'Retry-After': '5' });
}

/** Express's `req.ip` when mounted in the platform (it honours STREAMGATE_TRUST_PROXY_HOPS), else the socket's. */
function clientIpOf(req: IncomingMessage): string | null {
  return (req as IncomingMessage & { ip?: string }).ip ?? req.socket.remoteAddress ?? null;
}

function cachingHeaders(res: ServerResponse, target: HlsTarget): void {
  res.setHeader('Content-Type', target.contentType);
  // Live playlists change every segment; segments never change once written.
  res.setHeader('Cache-Control', target.isPlaylist ? 'no-store' : `private, max-age=${SEGMENT_MAX_AGE_S}, immutable`);
  res.setHeader('Accept-Ranges', 'bytes');
}

/** A body made here (a rewritten playlist, the origin's answer): ranges apply to it too. */
function sendBytes(req: IncomingMessage, res: ServerResponse, target: HlsTarget, body: Buffer): void {
  cachingHeaders(res, target);
  const range = parseByteRange(req.headers.range, body.length);
  if (range === 'unsatisfiable') return unsatisfiable(res, body.length);
  if (range) {
    res.writeHead(206, { 'Content-Range': `bytes ${range.start}-${range.end}/${body.length}`, 'Content-Length': range.end - range.start + 1 });
    return void res.end(body.subarray(range.start, range.end + 1));
  }
  res.writeHead(200, { 'Content-Length': body.length });
  res.end(body);
}

/** A file of the event's folder: from memory when HotFiles holds it, else streamed from disk. */
function sendFile(req: IncomingMessage, res: ServerResponse, target: HlsTarget, file: HotFile, failed: () => void): void {
  cachingHeaders(res, target);
  if (!target.isPlaylist) {
    // As `send` did for segments: validators, so a player's revalidation costs a 304.
    const etag = `W/"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;
    const lastModified = new Date(file.mtimeMs).toUTCString();
    res.setHeader('ETag', etag);
    res.setHeader('Last-Modified', lastModified);
    if (isFresh(req, etag, file.mtimeMs)) {
      res.writeHead(304);
      return void res.end();
    }
    const ifRange = req.headers['if-range'];
    if (ifRange && ifRange !== etag && ifRange !== lastModified) delete req.headers.range;
  }
  if (file.bytes) return sendBytes(req, res, target, file.bytes);
  const range = parseByteRange(req.headers.range, file.size);
  if (range === 'unsatisfiable') return unsatisfiable(res, file.size);
  const { start, end } = range ?? { start: 0, end: file.size - 1 };
  if (req.method === 'HEAD' || file.size === 0) {
    res.writeHead(range ? 206 : 200, { 'Content-Length': file.size === 0 ? 0 : end - start + 1, ...(range && { 'Content-Range': `bytes ${start}-${end}/${file.size}` }) });
    return void res.end();
  }
  const stream = fs.createReadStream(file.realPath, { start, end });
  stream.once('error', () => (res.headersSent ? res.destroy() : failed()));
  stream.once('open', () => {
    res.writeHead(range ? 206 : 200, { 'Content-Length': end - start + 1, ...(range && { 'Content-Range': `bytes ${start}-${end}/${file.size}` }) });
    stream.pipe(res);
  });
  res.once('close', () => stream.destroy());
}

function unsatisfiable(res: ServerResponse, size: number): void {
  res.removeHeader('Content-Type');
  res.writeHead(416, { 'Content-Range': `bytes */${size}`, 'Cache-Control': 'no-store', 'Content-Length': 0 });
  res.end();
}

function isFresh(req: IncomingMessage, etag: string, mtimeMs: number): boolean {
  const noneMatch = req.headers['if-none-match'];
  if (noneMatch) return noneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag.slice(2) || tag.trim() === '*');
  const since = Date.parse(req.headers['if-modified-since'] ?? '');
  return Number.isFinite(since) && Math.floor(mtimeMs / 1000) * 1000 <= since;
}
