import { setTimeout } from 'node:timers/promises';
import express, { type Router } from 'express';
import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import { startSession } from '../../core/sessions/session-service.js';
import { sessionDeps, type PlatformDeps } from '../deps.js';
import { FailureBudget } from '../../core/failure-budget.js';
import { clientKey, rateLimited } from '../http/failure-limiter.js';
import { parseBody } from '../http/validate-body.js';
import type { PlatformMetrics } from '../metrics.js';
import type { PlainJsonAnswer } from '../http/plain-json-route.js';

/** The player's device id (also `POST /api/events/:id/play`'s). */
export const DEVICE_ID = z.string().regex(/^[A-Za-z0-9_-]{8,128}$/, 'must be 8 to 128 letters, digits, - or _');

const ValidateBody = z.object({
  code: z.string().max(64),
  deviceId: DEVICE_ID,
});

/**
 * Wrong codes per client address (IPv6 by /64). A guess hits with probability 2⁻⁴⁰ even with a
 * million codes issued (README, "Rate limits"), so this budget is against noise and cost, never
 * what keeps codes secret: it must never cost a paying viewer the show. The burst lets a venue of
 * 500 viewers behind one NAT address each mistype once and still be told "not valid"; after that
 * the address gets one attempt every 6 s. Every attempt takes its place in the budget before the
 * code is checked, and a correct code gives it back: an address past its burst is held until its
 * next attempt is due (at most one interval) instead of learning at full speed which of its
 * guesses hit, and a correct code from a spent address still gets in, only later.
 *
 * The budget is in the database, shared by every platform replica. An address with more than
 * `MARGIN` attempts left is only read (its attempts cannot reach the limit before they are
 * counted) and pays for a wrong code afterwards; nearer the limit, taking the turn is one short
 * write and a correct code gives it back inside the transaction that opens its session.
 */
const WRONG_CODES = { scope: 'wrong_code', burst: 600, refillEveryMs: 6_000 };
/** The longest a request is held for its turn; further out, it is refused with the true wait. */
const MAX_HOLD_MS = WRONG_CODES.refillEveryMs;
/** Attempts left under which every attempt takes its turn first: more than one address has in flight. */
const MARGIN = 50;

/** How long settling the budget after an answer waits for the write lock. */
const SETTLE_LOCK_WAIT_MS = 1_000;

/** Failures that say nothing about a real code: a known code's refusal (revoked…) is no guess. */
const isGuess = (error: unknown) => error instanceof AppError && (error.status === 400 || error.status === 401);

export const VALIDATE_PATH = '/api/tokens/validate';

/**
 * The answer to a code: a session and its playback token. The platform answers
 * `POST /api/tokens/validate` with it before Express (app.ts, plain-json-route.ts); `validateRoutes`
 * mounts it in Express too, for the spellings of the path Express also routes (a trailing slash).
 */
export function validateAnswer(deps: PlatformDeps, metrics: PlatformMetrics, streamsMounted: boolean): PlainJsonAnswer {
  // Mounted here, the playlist is served from the page's own origin, whatever host name the viewer used.
  const streamsBase = streamsMounted ? '' : deps.config.edgePublicUrl.replace(/\/$/, '');
  const wrongCodes = new FailureBudget(deps.db, { ...WRONG_CODES, clock: deps.clock });
  return async (request) => {
    const client = clientKey(request.ip);
    const turn = await wrongCodes.turn(client, MAX_HOLD_MS, MARGIN);
    if (turn === null) {
      metrics.validations.inc({ result: 'rate_limited' });
      throw rateLimited((await wrongCodes.waitMs(client)) - MAX_HOLD_MS);
    }
    if (turn.hold > 0) await setTimeout(turn.hold);
    try {
      const body = parseBody(ValidateBody, request.body);
      const grant = await startSession(
        sessionDeps(deps),
        { code: body.code, deviceId: body.deviceId, clientIp: request.ip, userAgent: request.userAgent },
        turn.taken ? (trx) => wrongCodes.refundIn(trx, client) : undefined,
      );
      metrics.validations.inc({ result: 'ok' });
      return {
        eventId: grant.event.id,
        body: {
          token: grant.token,
          expiresAt: new Date(grant.expiresAt).toISOString(),
          sessionId: grant.sessionId,
          event: { id: grant.event.id, title: grant.event.title, status: grant.event.status, devicePolicy: grant.event.device_policy, latency: grant.event.latency },
          playbackUrl: `${streamsBase}/streams/${grant.event.id}/index.m3u8`,
          // Whether the edge takes ?token= (EDGE_QUERY_TOKENS): players that cannot send the header
          // (native HLS on iPhones before iOS 17.1) can play only then, and say so otherwise.
          queryTokens: deps.config.edgeQueryTokens,
        },
      };
    } catch (error) {
      // The budget's write waits for the lock briefly: while another process holds it, a wrong code
      // is told so within a second (the attempt goes uncounted, and logged) rather than after 5 s.
      if (turn.taken && !isGuess(error)) await settleQuietly(() => wrongCodes.refund(client, SETTLE_LOCK_WAIT_MS), deps);
      if (!turn.taken && isGuess(error)) await settleQuietly(() => wrongCodes.charge(client, SETTLE_LOCK_WAIT_MS), deps);
      metrics.validations.inc({ result: error instanceof AppError ? error.code : 'error' });
      throw error;
    }
  };
}

export function validateRoutes(answer: PlainJsonAnswer): Router {
  const router = express.Router();
  router.post(VALIDATE_PATH, async (req, res) => {
    const { body, eventId } = await answer({ body: req.body, ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null });
    res.locals.eventId = eventId; // for the request log
    res.json(body);
  });
  return router;
}

/**
 * Charges a guess let through untaken, or gives back the turn of an attempt that was no guess (a
 * revoked code, a busy database…). If that cannot be written (the database is busy), the budget is
 * one attempt off until it refills: logged, not thrown over the answer the client is owed.
 */
async function settleQuietly(write: () => Promise<unknown>, deps: PlatformDeps): Promise<void> {
  try {
    await write();
  } catch (error) {
    deps.log.warn('wrong-code budget not updated', { error: (error as Error).message });
  }
}
