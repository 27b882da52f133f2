import type { Request, Response } from 'express';
import { AppError } from '../../core/errors.js';
import { PUBLIC_SCOPE, type PlaybackClaims } from '../../core/playback-token.js';
import { latestCursor, type FeedEntry } from '../../core/revocation-feed.js';
import { sessionEnded } from '../../core/sessions/session-service.js';
import type { FeedHub } from '../feed-hub.js';
import type { PlatformDeps } from '../deps.js';

/** How long one watch is held open when nothing happens; the player asks again at once. */
export const WATCH_HOLD_MS = 25_000;

/**
 * `POST /api/sessions/watch`: held open until the session stops being playable, then answered
 * with the heartbeat's refusal (409 `session_ended`, with `reason: taken_over` when another
 * device took the seat; 403 `code_revoked` or `event_not_available`), or 204 after
 * WATCH_HOLD_MS. The player of a take-over event holds one while it plays, so it stops within
 * moments of the take-over (the revocation feed's latency) even with its whole buffer loaded and
 * no request due at the edge. It reads the feed the edges read, through the same hub.
 */
export async function watchSession(deps: PlatformDeps, hub: FeedHub, claims: PlaybackClaims, req: Request, res: Response): Promise<void> {
  const cursor = await latestCursor(deps.db);
  // Subscribed from the cursor read before the check below: an ending committed in between is delivered too.
  const ended = await refusal(deps, claims);
  if (ended) throw ended;
  const affects = (e: FeedEntry) =>
    (e.kind === 'session_ended' && e.sessionId === claims.sid) || (e.kind === 'code_revoked' && e.codeId === claims.sub) || (e.kind === 'event_archived' && e.eventId === claims.eid) ||
    (e.kind === 'public_revoked' && e.eventId === claims.eid && claims.publicSince !== undefined && claims.publicSince <= e.at);
  await new Promise<void>((resolve) => {
    let done = false;
    const finish = (answer: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unsubscribe();
      answer();
      resolve();
    };
    const unsubscribe = hub.subscribe(cursor, (entries) => {
      if (!entries.some(affects)) return;
      void refusal(deps, claims).then(
        (error) => finish(() => (error ? res.status(error.status).json(error.toJSON()) : res.status(204).end())),
        () => finish(() => res.status(204).end()),
      );
    });
    const timer = setTimeout(() => finish(() => res.status(204).end()), WATCH_HOLD_MS);
    res.on('close', () => finish(() => undefined));
    // The player may have gone during the reads above, before 'close' was watched.
    if (res.destroyed || req.socket.destroyed) finish(() => undefined);
  });
}

/** What a heartbeat would refuse for this session now, without writing; null while it plays. */
async function refusal(deps: PlatformDeps, claims: PlaybackClaims): Promise<AppError | null> {
  const session = await deps.db.selectFrom('sessions').select(['code_id', 'ended_at', 'end_reason']).where('id', '=', claims.sid).executeTakeFirst();
  if (!session || (session.code_id ?? PUBLIC_SCOPE) !== claims.sub) return new AppError(404, 'session_not_found', 'No such session.');
  if (session.ended_at !== null) return sessionEnded(session.end_reason);
  const code = await deps.db.selectFrom('access_codes').select('revoked_at').where('id', '=', claims.sub).executeTakeFirst();
  if (code?.revoked_at != null) return new AppError(403, 'code_revoked', 'This code has been revoked.');
  const event = await deps.db.selectFrom('events').select(['status', 'public_since']).where('id', '=', claims.eid).executeTakeFirst();
  if (event?.status === 'archived') return new AppError(403, 'event_not_available', 'This event is no longer available.');
  if (claims.publicSince !== undefined && event?.public_since !== claims.publicSince) return sessionEnded('not_public');
  return null;
}
