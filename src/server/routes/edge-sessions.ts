import express, { type Router } from 'express';
import { z } from 'zod';
import { recordDeliveredBytes } from '../../core/analytics/delivered-bytes.js';
import { AppError, isDatabaseBusy } from '../../core/errors.js';
import { TokenError } from '../../core/playback-token.js';
import { reportSessions, startLinkSession } from '../../core/sessions/link-sessions.js';
import { verifyLinkToken } from '../../core/sessions/link-token.js';
import { sessionDeps, type PlatformDeps } from '../deps.js';
import { parseBody } from '../http/validate-body.js';
import { edgeAuth } from './revocations.js';

/** ~100 bytes an entry: a batch stays under the 16 KiB body limit. */
export const MAX_REPORTS_PER_REQUEST = 100;

const LinkSessionBody = z.object({
  linkToken: z.string().min(1).max(4096),
  clientIp: z.string().max(64).nullable().optional(),
  userAgent: z.string().max(300).nullable().optional(),
});

const ReportBody = z.object({
  sessions: z
    .array(z.object({ sessionId: z.string().min(1).max(64), codeId: z.string().min(1).max(64), wantsToken: z.boolean().default(false) }))
    .max(MAX_REPORTS_PER_REQUEST),
  /** Bytes the edge sent per event since its last recorded report (viewer analytics). */
  delivered: z
    .array(z.object({ eventId: z.string().min(1).max(63), bytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }))
    .max(MAX_REPORTS_PER_REQUEST)
    .default([]),
});

/**
 * The edges' side of sessions, over their authenticated channel (the revocation feed's edge
 * token): opening a session for a personal link, and reporting the sessions they serve, which
 * counts as those sessions' heartbeats, with the bytes they sent per event (viewer analytics).
 * The edge still never touches the database.
 */
export function edgeSessionRoutes(deps: PlatformDeps): Router {
  const router = express.Router();
  const forSessions = sessionDeps(deps);

  router.post('/api/edge/link-sessions', edgeAuth(deps), async (req, res) => {
    const body = parseBody(LinkSessionBody, req.body);
    let link;
    try {
      link = verifyLinkToken(body.linkToken, deps.keyring, deps.clock());
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      deps.log.info('link token refused', { reason: error.message });
      throw new AppError(401, 'invalid_link', 'This link is not valid.');
    }
    const grant = await startLinkSession(forSessions, link, { clientIp: body.clientIp ?? null, userAgent: body.userAgent ?? null });
    res.setHeader('Cache-Control', 'no-store').json({ sessionId: grant.sessionId, token: grant.token, expiresAt: new Date(grant.expiresAt).toISOString() });
  });

  router.post('/api/edge/sessions/report', edgeAuth(deps), async (req, res) => {
    const body = parseBody(ReportBody, req.body);
    const answers = await reportSessions(forSessions, body.sessions);
    // Busy: the edge keeps the bytes and reports them again; the heartbeats above still count.
    const deliveredRecorded = await recordDeliveredBytes(deps.db, deps.clock(), body.delivered).then(
      () => true,
      (error: unknown) => {
        if (!isDatabaseBusy(error)) throw error;
        return false;
      },
    );
    res.setHeader('Cache-Control', 'no-store').json({
      sessions: answers.map((a) => (a.status === 'active' && a.expiresAt !== undefined ? { ...a, expiresAt: new Date(a.expiresAt).toISOString() } : a)),
      deliveredRecorded,
    });
  });
  return router;
}
