import express, { type Request, type Response, type Router } from 'express';
import fs from 'node:fs';
import path from 'node:path';
import { bearerToken, TokenError, verifyPlaybackToken, type PlaybackClaims } from '../core/playback-token.js';
import { isLinkToken } from '../core/sessions/link-token.js';
import type { EdgeDeps } from './deps.js';
import { parseHlsPath, resolveInside, type HlsTarget } from './hls-path.js';
import type { EdgeMetrics } from './metrics.js';
import { OriginFetcher } from './origin-fetcher.js';
import type { LinkResolution } from './link-sessions.js';
import { addTokenToPlaylist } from './playlist-tokens.js';
import { VerifiedTokenCache } from './token-cache.js';

const SEGMENT_MAX_AGE_S = 86_400;

/**
 * `GET|HEAD /streams/:eventId/<file>`: the token is checked by cryptography alone (cached), then
 * against the revocation list on every request, then the path is resolved inside the event's
 * folder. Mountable on its own (serve edge) or under the platform (serve all, same origin).
 */
export function streamsRouter(deps: EdgeDeps, metrics: EdgeMetrics): Router {
  const router = express.Router();
  const cache = new VerifiedTokenCache();
  const hlsRoot = path.join(deps.config.dataDir, 'hls');
  const { edgeMode, edgeOriginUrl } = deps.config;
  const origin =
    edgeMode !== 'local' && edgeOriginUrl ? new OriginFetcher(edgeOriginUrl.replace(/\/$/, ''), () => metrics.upstreamFetches.inc()) : null;

  const refuse = (res: Response, status: 401 | 403 | 404, reason: string, req: Request) => {
    if (status !== 404) deps.log.info('stream request refused', { status, reason, path: req.path });
    res.status(status).setHeader('Cache-Control', 'no-store');
    const body = { 401: 'unauthorized', 403: 'forbidden', 404: 'not_found' }[status];
    res.json({ error: { code: body, message: status === 404 ? 'No such file.' : 'Access denied.' } });
  };

  const claimsFor = (token: string): PlaybackClaims => {
    const now = deps.clock();
    const cached = cache.get(token, now);
    if (cached) {
      metrics.verifyCache.inc({ result: 'hit' });
      return cached;
    }
    metrics.verifyCache.inc({ result: 'miss' });
    const claims = verifyPlaybackToken(token, deps.keyring, now, deps.config.tokenMaxTtlSeconds);
    cache.set(token, claims);
    return claims;
  };

  const resolveLink = async (linkToken: string, target: HlsTarget | null, req: Request): Promise<LinkResolution | { ok: false; status: 404; reason: string }> => {
    if (!deps.native) return { ok: false, status: 401, reason: 'links are not served here' };
    if (!target) return { ok: false, status: 404, reason: 'bad path' };
    return deps.native.links.resolve(linkToken, target.eventId, { clientIp: req.ip ?? null, userAgent: req.get('user-agent') ?? null });
  };

  const unavailable = (res: Response) =>
    void res.status(503).setHeader('Cache-Control', 'no-store').setHeader('Retry-After', '5').json({ error: { code: 'platform_unavailable', message: 'Try again in a moment.' } });

  router.get(/^\/(.+)$/, async (req, res) => {
    res.on('finish', () => metrics.requests.inc({ status: res.statusCode }));
    // ?token= only when enabled, and never preferred over the header. The query is never logged.
    const headerToken = bearerToken(req.get('authorization'));
    const queryToken = !headerToken && deps.config.edgeQueryTokens && typeof req.query.token === 'string' ? req.query.token : null;
    const token = headerToken ?? queryToken;
    if (!token) return refuse(res, 401, 'no bearer token', req);
    const target = parseHlsPath(req.path);
    // A personal link (native players): exchanged for its session's claims and playback token.
    const link = queryToken && isLinkToken(queryToken) ? await resolveLink(queryToken, target, req) : null;
    if (link && !link.ok) return link.status === 503 ? unavailable(res) : refuse(res, link.status, link.reason, req);
    let claims: PlaybackClaims;
    try {
      claims = link ? link.claims : claimsFor(token);
    } catch (error) {
      if (error instanceof TokenError) return refuse(res, 401, error.message, req);
      throw error;
    }
    if (!target) return refuse(res, 404, 'bad path', req);
    if (claims.eid !== target.eventId) return refuse(res, 403, 'token for another event', req);
    if (deps.revocations.isRevoked(claims)) return refuse(res, 403, 'revoked', req);
    // Served: the platform hears of it in the next report, which counts as the session's heartbeat.
    deps.native?.reporter.seen(claims, Boolean(link));
    const upstreamToken = link ? link.token : token;
    const file = edgeMode === 'proxy' ? null : await resolveInside(hlsRoot, target);
    if (!file && origin) {
      const upstream = await origin.get(target, `Bearer ${upstreamToken}`);
      if (upstream.status === 404) return refuse(res, 404, 'not at the origin', req);
      if (!upstream.body) {
        deps.log.warn('origin failed', { status: upstream.status, path: req.path });
        return void res.status(upstream.status).setHeader('Cache-Control', 'no-store').json({ error: { code: 'upstream_unavailable', message: 'The origin did not answer.' } });
      }
      setCachingHeaders(res, target);
      const body = queryToken && target.isPlaylist ? addTokenToPlaylist(upstream.body.toString('utf8'), queryToken) : upstream.body;
      return void res.end(req.method === 'HEAD' ? undefined : body);
    }
    if (!file) return refuse(res, 404, 'no such file', req);
    setCachingHeaders(res, target);
    if (queryToken && target.isPlaylist) {
      const playlist = addTokenToPlaylist(await fs.promises.readFile(file, 'utf8'), queryToken);
      return void res.end(req.method === 'HEAD' ? undefined : playlist);
    }
    res.sendFile(file, { dotfiles: 'deny', cacheControl: false, lastModified: !target.isPlaylist, etag: !target.isPlaylist }, (error) => {
      if (!error || res.headersSent) return;
      // Unsatisfiable range: send gives the status and the Content-Range header to answer with.
      const { status, headers } = error as Error & { status?: number; headers?: Record<string, string> };
      if (status === 416) return void res.status(416).set(headers ?? {}).setHeader('Cache-Control', 'no-store').end();
      refuse(res, 404, 'send failed', req);
    });
  });
  return router;
}

function setCachingHeaders(res: Response, target: HlsTarget): void {
  res.setHeader('Content-Type', target.contentType);
  // Live playlists change every segment; segments never change once written.
  res.setHeader('Cache-Control', target.isPlaylist ? 'no-store' : `private, max-age=${SEGMENT_MAX_AGE_S}, immutable`);
}
