import express, { type Request, type Router } from 'express';
import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import { bearerToken, TokenError, verifyPlaybackToken, type PlaybackClaims } from '../../core/playback-token.js';
import { createLink } from '../../core/sessions/link-sessions.js';
import { heartbeat, releaseSession } from '../../core/sessions/session-service.js';
import { sessionDeps, type PlatformDeps } from '../deps.js';
import { parseBody } from '../http/validate-body.js';
import type { FeedHub } from '../feed-hub.js';
import { watchSession } from './session-watch.js';

const SessionBody = z.object({ sessionId: z.string().min(1).max(64), token: z.string().max(4096).optional() });

export function sessionRoutes(deps: PlatformDeps, streamsMounted = false, feed?: FeedHub): Router {
  const router = express.Router();
  const claimsOf = (req: Request, bodyToken?: string): PlaybackClaims => {
    // sendBeacon (release on unload) cannot set headers, so release also takes the token in the body.
    const token = bearerToken(req.get('authorization')) ?? bodyToken;
    if (!token) throw new AppError(401, 'unauthorized', 'A playback token is required.');
    try {
      return verifyPlaybackToken(token, deps.keyring, deps.clock(), deps.config.tokenMaxTtlSeconds);
    } catch (error) {
      if (error instanceof TokenError) {
        deps.log.info('playback token refused', { reason: error.message, path: req.path });
        throw new AppError(401, 'unauthorized', 'The playback token is not valid.');
      }
      throw error;
    }
  };
  const forSessions = sessionDeps(deps);

  router.post('/api/sessions/heartbeat', async (req, res) => {
    const body = parseBody(SessionBody, req.body);
    const fresh = await heartbeat(forSessions, body.sessionId, claimsOf(req));
    res.json({ token: fresh.token, expiresAt: new Date(fresh.expiresAt).toISOString() });
  });

  // "Watch in VLC / on a TV": the browser's session becomes a personal link (link-sessions.ts).
  const streamsBase = streamsMounted ? '' : deps.config.edgePublicUrl.replace(/\/$/, '');
  router.post('/api/sessions/link', async (req, res) => {
    const body = parseBody(SessionBody, req.body);
    if (!deps.config.edgeQueryTokens) throw new AppError(403, 'links_disabled', 'Links for other players are not enabled here.');
    const link = await createLink(forSessions, body.sessionId, claimsOf(req));
    res.setHeader('Cache-Control', 'no-store').json({
      url: `${streamsBase}/streams/${link.eventId}/index.m3u8?token=${link.token}`,
      expiresAt: new Date(link.expiresAt).toISOString(),
    });
  });

  // Held open until the session ends (take-over events' players): session-watch.ts.
  router.post('/api/sessions/watch', async (req, res) => {
    const body = parseBody(SessionBody, req.body);
    const claims = claimsOf(req);
    if (claims.sid !== body.sessionId) throw new AppError(403, 'session_mismatch', 'The token belongs to another session.');
    if (!feed) throw new AppError(404, 'not_found', 'Not found.');
    await watchSession(deps, feed, claims, req, res);
  });

  router.post('/api/sessions/release', async (req, res) => {
    const body = parseBody(SessionBody, req.body);
    await releaseSession(forSessions, body.sessionId, claimsOf(req, body.token));
    res.status(204).end();
  });
  return router;
}
