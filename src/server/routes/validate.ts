import express, { type Router } from 'express';
import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import { startSession } from '../../core/sessions/session-service.js';
import { sessionDeps, type PlatformDeps } from '../deps.js';
import { failureLimiter } from '../http/failure-limiter.js';
import { parseBody } from '../http/validate-body.js';
import type { PlatformMetrics } from '../metrics.js';

const ValidateBody = z.object({
  code: z.string().max(64),
  deviceId: z.string().regex(/^[A-Za-z0-9_-]{8,128}$/, 'must be 8 to 128 letters, digits, - or _'),
});

// Only failures count: a venue with 500 viewers behind one NAT address enters 500 good codes.
const FAILURES_PER_IP = { windowMs: 10 * 60_000, limit: 30 };
// Across all addresses, for guessing spread over many of them.
const FAILURES_OVERALL = { windowMs: 60_000, limit: 1_000 };

export function validateRoutes(deps: PlatformDeps, metrics: PlatformMetrics, streamsMounted: boolean): Router {
  // Mounted here, the playlist is served from the page's own origin, whatever host name the viewer used.
  const streamsBase = streamsMounted ? '' : deps.config.edgePublicUrl.replace(/\/$/, '');
  const router = express.Router();
  router.post('/api/tokens/validate', failureLimiter(FAILURES_OVERALL, () => 'all'), failureLimiter(FAILURES_PER_IP), async (req, res) => {
    const body = parseBody(ValidateBody, req.body);
    try {
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
      metrics.validations.inc({ result: error instanceof AppError ? error.code : 'error' });
      throw error;
    }
  });
  return router;
}
