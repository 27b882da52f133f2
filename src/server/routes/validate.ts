import express, { type Router } from 'express';
import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import { startSession } from '../../core/sessions/session-service.js';
import { sessionDeps, type PlatformDeps } from '../deps.js';
import { clientKey, FailureBudget, rateLimited } from '../http/failure-limiter.js';
import { parseBody } from '../http/validate-body.js';
import type { PlatformMetrics } from '../metrics.js';

const ValidateBody = z.object({
  code: z.string().max(64),
  deviceId: z.string().regex(/^[A-Za-z0-9_-]{8,128}$/, 'must be 8 to 128 letters, digits, - or _'),
});

/**
 * Wrong codes per client address (IPv6 by /64). A guess hits with probability 2⁻⁴⁰ even with a
 * million codes issued (README, "Rate limits"), so this budget is against noise and cost, never
 * what keeps codes secret: it must never cost a paying viewer the show. The burst lets a venue of
 * 500 viewers behind one NAT address each mistype once and still be told "not valid"; after that
 * the address gets one wrong code every 6 s. The code is checked first: a correct one is never
 * refused, however many wrong ones its address sent.
 */
const WRONG_CODES = { burst: 600, refillEveryMs: 6_000 };

/** Failures that say nothing about a real code: a known code's refusal (revoked…) is no guess. */
const isGuess = (error: unknown) => error instanceof AppError && (error.status === 400 || error.status === 401);

export function validateRoutes(deps: PlatformDeps, metrics: PlatformMetrics, streamsMounted: boolean): Router {
  // Mounted here, the playlist is served from the page's own origin, whatever host name the viewer used.
  const streamsBase = streamsMounted ? '' : deps.config.edgePublicUrl.replace(/\/$/, '');
  const wrongCodes = new FailureBudget({ ...WRONG_CODES, clock: deps.clock });
  const router = express.Router();
  router.post('/api/tokens/validate', async (req, res) => {
    try {
      const body = parseBody(ValidateBody, req.body);
      const grant = await startSession(
        sessionDeps(deps),
        { code: body.code, deviceId: body.deviceId, clientIp: req.ip ?? null, userAgent: req.get('user-agent') ?? null },
      );
      metrics.validations.inc({ result: 'ok' });
      res.json({
        token: grant.token,
        expiresAt: new Date(grant.expiresAt).toISOString(),
        sessionId: grant.sessionId,
        event: { id: grant.event.id, title: grant.event.title, status: grant.event.status },
        playbackUrl: `${streamsBase}/streams/${grant.event.id}/index.m3u8`,
      });
    } catch (error) {
      const client = clientKey(req.ip);
      const refused = isGuess(error) && !wrongCodes.spend(client) ? rateLimited(wrongCodes.waitMs(client)) : error;
      metrics.validations.inc({ result: refused instanceof AppError ? refused.code : 'error' });
      throw refused;
    }
  });
  return router;
}
