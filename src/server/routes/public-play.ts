import express, { type Router } from 'express';
import { z } from 'zod';
import { EVENT_ID_PATTERN } from '../../core/events/event-input.js';
import { FailureBudget } from '../../core/failure-budget.js';
import { noPublicEvent, startAnonymousSession } from '../../core/sessions/anonymous-sessions.js';
import { sessionDeps, type PlatformDeps } from '../deps.js';
import { clientKey, rateLimited } from '../http/failure-limiter.js';
import { parseBody } from '../http/validate-body.js';
import { DEVICE_ID } from './validate.js';

const PlayBody = z.object({ deviceId: DEVICE_ID });

/**
 * Plays per client address (IPv6 by /64), whatever their answer: each one that succeeds writes a
 * session. The burst lets a venue behind one NAT address open a free event's page together;
 * after that the address gets one play a second, which a viewer reloading never reaches.
 */
export const PUBLIC_PLAYS = { scope: 'public_play', burst: 120, refillEveryMs: 1_000 };

/**
 * `POST /api/events/:id/play`: a public event plays without a code (core/sessions/anonymous-sessions.ts).
 * The answer has the shape of `POST /api/tokens/validate`'s. An unknown event and one that needs a
 * code get the very same 404, after the same budget, so this never tells which events exist.
 */
export function publicPlayRoutes(deps: PlatformDeps, streamsMounted: boolean): Router {
  const streamsBase = streamsMounted ? '' : deps.config.edgePublicUrl.replace(/\/$/, '');
  const plays = new FailureBudget(deps.db, { ...PUBLIC_PLAYS, clock: deps.clock });
  const router = express.Router();
  router.post('/api/events/:id/play', async (req, res) => {
    const client = clientKey(req.ip);
    if ((await plays.reserve(client, 0)) === null) throw rateLimited(await plays.waitMs(client));
    const body = parseBody(PlayBody, req.body);
    if (!EVENT_ID_PATTERN.test(req.params.id)) throw noPublicEvent();
    const grant = await startAnonymousSession(sessionDeps(deps), req.params.id, {
      deviceId: body.deviceId,
      clientIp: req.ip ?? null,
      userAgent: req.get('user-agent') ?? null,
    });
    res.locals.eventId = grant.event.id; // for the request log
    res.setHeader('Cache-Control', 'no-store').json({
      token: grant.token,
      expiresAt: new Date(grant.expiresAt).toISOString(),
      sessionId: grant.sessionId,
      event: { id: grant.event.id, title: grant.event.title, status: grant.event.status, devicePolicy: grant.event.device_policy },
      playbackUrl: `${streamsBase}/streams/${grant.event.id}/index.m3u8`,
      anonymous: true,
    });
  });
  return router;
}
