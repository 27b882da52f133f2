import { PUBLIC_SCOPE } from '../playback-token.js';
import { randomString } from '../crockford.js';
import type { Db } from '../db/database.js';
import { writeTransaction } from '../db/database.js';
import { AppError, isDatabaseBusy } from '../errors.js';
import { loadCodeForSession } from './code-for-session.js';
import { HEARTBEAT_LOCK_WAIT_MS, endSessions, heartbeatIn, openSession, type PlaybackGrant, type SessionDeps } from './session-service.js';
import { signLinkToken, type LinkClaims } from './link-token.js';

/**
 * Personal links for players that cannot run the portal's JavaScript (VLC, smart TVs, ffmpeg).
 *
 * The portal trades its session for a link: a long-lived link token in `?token=`. An edge trades
 * the link for a session of its own (device id = the link id) on the first request, and from then
 * on reports the sessions it serves; a report counts as that session's heartbeat. So the link
 * plays for as long as the code is valid, while everything that stops a portal viewer stops it
 * too: a revoked code or an archived event at once (the revocation feed), another device only
 * after the link's session has timed out, an operator's `sessions end` for good.
 */

/** A link's earlier session ended this way lets the link open a new one; any other ending is final. */
const LINK_RESUMES_AFTER = new Set(['timeout']);


/**
 * The portal's "Watch in VLC / on a TV": ends the browser's session (the code moves to the other
 * player, so single-device use holds) and signs a link token that lives until the code expires.
 */
export async function createLink(deps: SessionDeps, sessionId: string, claims: { sub: string; sid: string }): Promise<{ token: string; expiresAt: number; eventId: string }> {
  if (claims.sid !== sessionId) throw new AppError(403, 'session_mismatch', 'The token belongs to another session.');
  // A personal link lives as long as its code: an anonymous viewer has none.
  if (claims.sub === PUBLIC_SCOPE) throw new AppError(403, 'links_unavailable', 'A link for another player needs an access code.');
  return writeTransaction(deps.db, async (trx) => {
    const now = deps.clock();
    // The same checks as a heartbeat (revoked, expired, timed out, archived), then hand over.
    await heartbeatIn(trx, deps, sessionId, claims, true);
    const session = await trx.selectFrom('sessions').selectAll().where('id', '=', sessionId).executeTakeFirstOrThrow();
    const code = await trx.selectFrom('access_codes').selectAll().where('id', '=', session.code_id).executeTakeFirstOrThrow();
    await endSessions(trx, now, [session], 'moved_to_link');
    const linkId = `link-${randomString(20)}`;
    const { token, expiresAt } = signLinkToken(deps.keyring.current, { codeId: code.id, eventId: session.event_id, linkId }, now, code.expires_at);
    return { token, expiresAt, eventId: session.event_id };
  });
}

/**
 * An edge's exchange of a verified link for a session: the code's checks and the single-device
 * rule of `openSession`, with the link id as the device. A link whose last session was ended by
 * anything but a timeout (an operator, a takeover by the portal) opens nothing: it is not revived.
 */
export async function startLinkSession(deps: SessionDeps, link: LinkClaims, client: { clientIp: string | null; userAgent: string | null }): Promise<PlaybackGrant> {
  return writeTransaction(deps.db, async (trx) => {
    const loaded = await loadCodeForSession(trx, link.sub);
    const code = loaded?.code;
    if (!loaded || !code || code.event_id !== link.eid) throw new AppError(401, 'invalid_link', 'This link is not valid.');
    // The code's own state first: "revoked" tells the viewer more than "this link was ended".
    if (code.revoked_at !== null) throw new AppError(403, 'code_revoked', 'This code has been revoked.');
    const last = await trx
      .selectFrom('sessions')
      .select(['ended_at', 'end_reason'])
      .where('code_id', '=', code.id)
      .where('device_id', '=', link.lid)
      .orderBy('started_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (last && last.ended_at !== null && !LINK_RESUMES_AFTER.has(last.end_reason ?? '')) {
      throw new AppError(403, 'link_ended', 'This link has been ended; open the portal for a new one.');
    }
    return openSession(trx, deps, loaded, { deviceId: link.lid, clientIp: client.clientIp, userAgent: client.userAgent });
  });
}

export interface SessionReport {
  sessionId: string;
  codeId: string;
  /** The edge wants a fresh playback token for this session (it plays a link). */
  wantsToken: boolean;
}

export type ReportAnswer =
  | { sessionId: string; status: 'active'; token?: string; expiresAt?: number }
  | { sessionId: string; status: 'ended'; reason: string };

/**
 * Sessions an edge served since its last report, each treated as a heartbeat: kept alive with a
 * fresh token, or answered `ended` when a heartbeat would have been refused (revoked, expired,
 * timed out, ended, archived). An ended session is never revived by a report. With the write lock
 * held elsewhere the heartbeats are deferred like the portal's (see `heartbeat`).
 */
export async function reportSessions(deps: SessionDeps, reports: SessionReport[]): Promise<ReportAnswer[]> {
  const run = async (db: Db, canWrite: boolean) => {
    const answers: ReportAnswer[] = [];
    for (const report of reports) {
      try {
        const fresh = await heartbeatIn(db, deps, report.sessionId, { sub: report.codeId }, canWrite);
        answers.push(report.wantsToken ? { sessionId: report.sessionId, status: 'active', ...fresh } : { sessionId: report.sessionId, status: 'active' });
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        answers.push({ sessionId: report.sessionId, status: 'ended', reason: error.code });
      }
    }
    return answers;
  };
  try {
    return await writeTransaction(deps.db, (trx) => run(trx, true), { lockWaitMs: HEARTBEAT_LOCK_WAIT_MS });
  } catch (error) {
    if (!isDatabaseBusy(error)) throw error;
    return run(deps.db, false);
  }
}

