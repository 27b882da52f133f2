import type { Db } from '../db/database.js';
import { writeTransaction } from '../db/database.js';
import type { EventRow, SessionRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import { NOT_PUBLIC } from '../events/event-public.js';
import { timeOrderedId } from '../ids.js';
import { PUBLIC_SCOPE, signPublicPlaybackToken } from '../playback-token.js';
import { forgetDeferredLastSeen, deferLastSeen } from './deferred-last-seen.js';
import { raiseAnonymousSessionStarted } from '../webhooks/webhook-raisers.js';
import { checkEventAvailable, endSessions, SESSION_TIMEOUT_MS, sessionEnded, type PlaybackGrant, type SessionDeps } from './session-service.js';

/**
 * Anonymous viewers of public events. Their session is one play of one page: a fresh id on every
 * `POST /api/events/:id/play`, no code (`code_id` null), so no seat or single-device rule and never
 * a code in the counts; it is a viewer like any other (stats, analytics, sessions list) while its
 * heartbeats arrive, and ends on release, after 90 s without a heartbeat, or when the event stops
 * being public.
 */

/** The one answer for an unknown event and one that needs a code: it never says which. */
export const noPublicEvent = () => new AppError(404, 'event_not_found', 'No such event.');

export interface AnonymousPlayInput {
  deviceId: string;
  clientIp: string | null;
  userAgent: string | null;
}

/** Opens an anonymous session on a public event and signs its token. */
export async function startAnonymousSession(deps: SessionDeps, eventId: string, input: AnonymousPlayInput): Promise<PlaybackGrant> {
  return writeTransaction(deps.db, async (trx) => {
    const now = deps.clock();
    const event = await trx.selectFrom('events').selectAll().where('id', '=', eventId).executeTakeFirst();
    if (!event || event.public_since === null || event.status === 'archived') throw noPublicEvent();
    checkEventAvailable(event, now);
    const sessionId = timeOrderedId(now);
    await trx
      .insertInto('sessions')
      .values({
        id: sessionId,
        code_id: null,
        event_id: event.id,
        device_id: input.deviceId,
        client_ip: input.clientIp,
        user_agent: input.userAgent?.slice(0, 300) ?? null,
        started_at: now,
        last_seen_at: now,
        seat: 0,
        ended_at: null,
        end_reason: null,
      })
      .execute();
    await raiseAnonymousSessionStarted(trx, now, event.id, sessionId);
    return { ...signAnonymous(deps, event, sessionId, now), sessionId, event };
  });
}

function signAnonymous(deps: SessionDeps, event: EventRow, sessionId: string, now: number) {
  return signPublicPlaybackToken(deps.keyring.current, { eventId: event.id, sessionId, publicSince: event.public_since! }, now, deps.tokenTtlSeconds);
}

/**
 * An anonymous session's heartbeat (session-service.ts `heartbeatIn` hands it over), from the
 * player or an edge's report (which has no `publicSince`): alive while the event is public, not
 * archived, and heard from within the timeout. Turning public off ends every open anonymous
 * session, so one still open belongs to the current public period; a player's token from an
 * earlier period is refused all the same.
 */
export async function anonymousHeartbeatIn(db: Db, deps: SessionDeps, session: SessionRow, claims: { sub: string; publicSince?: number }, canWrite: boolean) {
  if (claims.sub !== PUBLIC_SCOPE) throw new AppError(404, 'session_not_found', 'No such session.');
  const now = deps.clock();
  const event = await db.selectFrom('events').selectAll().where('id', '=', session.event_id).executeTakeFirstOrThrow();
  if (session.ended_at === null) {
    const otherPeriod = claims.publicSince !== undefined && claims.publicSince !== event.public_since;
    const reason = session.last_seen_at < now - SESSION_TIMEOUT_MS ? 'timeout' : event.public_since === null || otherPeriod ? NOT_PUBLIC : null;
    if (reason) {
      if (canWrite) await endSessions(db, now, [session], reason);
      session = { ...session, ended_at: now, end_reason: reason };
    }
  }
  if (session.ended_at !== null) throw sessionEnded(session.end_reason);
  if (event.status === 'archived') throw new AppError(403, 'event_not_available', 'This event is no longer available.');
  if (canWrite) {
    await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', session.id).execute();
    forgetDeferredLastSeen(deps.db, session.id);
  } else {
    deferLastSeen(deps.db, session.id, now);
  }
  return signAnonymous(deps, event, session.id, now);
}
