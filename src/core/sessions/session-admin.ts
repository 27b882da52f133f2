import { recordAudit, type AuditActor } from '../audit-log.js';
import type { Clock } from '../clock.js';
import { writeTransaction, type Db } from '../db/database.js';
import { toIso } from '../duration.js';
import { AppError } from '../errors.js';
import { describeUserAgent } from '../user-agent.js';
import { endSessions, whereSessionActive } from './session-service.js';

/** A viewing session as operators see it: which device, from where, since when. */
export interface SessionView {
  id: string;
  eventId: string;
  /** Null for an anonymous viewer of a public event. */
  codeId: string | null;
  deviceId: string;
  clientIp: string | null;
  userAgent: string | null;
  /** The code's label and the browser from the user agent ("Firefox 131 on Windows"): who this is. */
  label: string | null;
  browser: string | null;
  startedAt: string;
  lastSeenAt: string;
}

/** Active sessions (heartbeat within the timeout), newest first. */
export async function listActiveSessions(db: Db, nowMs: number, filter: { eventId?: string; onlyEventIds?: readonly string[] | null; limit?: number } = {}): Promise<SessionView[]> {
  let query = db
    .selectFrom('sessions')
    .leftJoin('access_codes as c', 'c.id', 'sessions.code_id')
    .selectAll('sessions')
    .select('c.label')
    .where(whereSessionActive(nowMs));
  if (filter.eventId) query = query.where('sessions.event_id', '=', filter.eventId);
  if (filter.onlyEventIds) query = query.where('sessions.event_id', 'in', filter.onlyEventIds);
  const rows = await query.orderBy('sessions.started_at', 'desc').limit(filter.limit ?? 1_000).execute();
  return rows.map((r) => ({
    id: r.id,
    eventId: r.event_id,
    codeId: r.code_id,
    deviceId: r.device_id,
    clientIp: r.client_ip,
    userAgent: r.user_agent,
    label: r.label,
    browser: describeUserAgent(r.user_agent),
    startedAt: toIso(r.started_at)!,
    lastSeenAt: toIso(r.last_seen_at)!,
  }));
}

export interface EndSessionDeps {
  db: Db;
  clock: Clock;
  actor: AuditActor;
  ip?: string | null;
  /** An event-scoped caller may end only that event's sessions. */
  onlyEventIds?: readonly string[] | null;
}

/**
 * Ends one session as an operator: the edges learn within a second and the player stops; the code
 * is free for another device (or this one, typing it again). Ending an ended session is a no-op.
 */
export async function endSessionByOperator(deps: EndSessionDeps, sessionId: string): Promise<{ id: string; eventId: string; ended: boolean }> {
  return writeTransaction(deps.db, async (trx) => {
    const now = deps.clock();
    const session = await trx.selectFrom('sessions').selectAll().where('id', '=', sessionId).executeTakeFirst();
    if (!session || (deps.onlyEventIds && !deps.onlyEventIds.includes(session.event_id))) {
      throw new AppError(404, 'session_not_found', `session "${sessionId}" does not exist`);
    }
    if (session.ended_at !== null) return { id: session.id, eventId: session.event_id, ended: false };
    await endSessions(trx, now, [session], 'ended_by_operator');
    await recordAudit(trx, now, { actor: deps.actor, action: 'session.end', target: session.id, ip: deps.ip ?? null, details: { eventId: session.event_id } });
    return { id: session.id, eventId: session.event_id, ended: true };
  });
}
