import type { ExpressionBuilder } from 'kysely';
import { codeKey, hashesEqual, normaliseCode } from '../access-code.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { databaseKind, writeTransaction } from '../db/database.js';
import type { Database, EventRow } from '../db/schema.js';
import { codeForSessionFrom, codeForSessionRead, loadCodeForSession, type CodeForSession, type OpenSession } from './code-for-session.js';
import { AppError, isDatabaseBusy } from '../errors.js';
import { timeOrderedId } from '../ids.js';
import { PUBLIC_SCOPE, signPlaybackToken } from '../playback-token.js';
import { anonymousHeartbeatIn } from './anonymous-sessions.js';
import { deferLastSeen, forgetDeferredLastSeen, forgetDeferredLastSeenBefore, withDeferredLastSeen } from './deferred-last-seen.js';
import { appendRevocations } from '../revocation-feed.js';
import { writeOpenedSession, writeResume } from './session-writes.js';
import type { Keyring } from '../secret-store.js';
import { raiseSessionsEnded, raiseSessionStarted } from '../webhooks/webhook-raisers.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import { seatForNewDevice, TAKEN_OVER } from './device-seats.js';

/** A session without a heartbeat for this long is over; the player sends one every 30 s. */
export const SESSION_TIMEOUT_MS = 90_000;

/** "Playing now" as a SQL condition: not ended, and a heartbeat within the timeout. */
export function whereSessionActive(nowMs: number) {
  return (eb: ExpressionBuilder<Database, 'sessions'>) => eb.and([eb('ended_at', 'is', null), eb('last_seen_at', '>=', nowMs - SESSION_TIMEOUT_MS)]);
}

export interface SessionDeps {
  db: Db;
  clock: Clock;
  keyring: Keyring;
  tokenTtlSeconds: number;
}

export interface StartSessionInput {
  code: string;
  deviceId: string;
  clientIp: string | null;
  userAgent: string | null;
}

export interface PlaybackGrant {
  token: string;
  expiresAt: number;
  sessionId: string;
  event: EventRow;
}

const invalidCode = () => new AppError(401, 'invalid_code', 'This code is not valid.');

/**
 * How recent a session's last-seen time may be for a resume by the same device to leave it as it
 * is: half the player's heartbeat period. The resume's time is kept in memory instead
 * (deferred-last-seen.ts), so this process's single-device check and sweep see it exactly. Another
 * replica reads the stored time, at most this much older: a device that only resumes (no
 * heartbeats, which always write) could be timed out there after 75 s instead of 90 s. A reload
 * storm, or a player retrying, then costs reads only: no write transaction, no commit to wait for.
 */
export const RESUME_WRITE_INTERVAL_MS = 15_000;

/**
 * How recent a code's last-used time may be for a validation to leave it as it is: operators see
 * it to the minute, so a resume past `RESUME_WRITE_INTERVAL_MS` writes its session's row alone
 * (heartbeats write both every 30 s).
 */
export const CODE_USE_WRITE_INTERVAL_MS = 60_000;

/**
 * Exchanges an access code for a session and a playback token. The seat rule is the database's:
 * the check, the end of a stale or displaced session and the insert run in one write
 * transaction, and a unique index allows one active session per seat of a code whatever happens.
 */
export async function startSession(
  deps: SessionDeps,
  input: StartSessionInput,
  /** More writes that commit with the session, or not at all (the failure budget's refund). */
  alsoInTransaction?: (trx: Db) => Promise<void>,
): Promise<PlaybackGrant> {
  // Every unknown code costs the same: normalise, one HMAC, one primary-key probe.
  const normalised = normaliseCode(input.code);
  const { id: codeId, hash } = codeKey(deps.keyring.pepper, normalised ?? 'not-a-code-000');
  // Answered from the reading connection: a wrong code never waits for (or takes) the write lock.
  const known = await loadCodeForSession(deps.db, codeId);
  if (!normalised || !known || !hashesEqual(known.code.code_hash, hash)) throw invalidCode();
  // A refusal here is the answer a transaction at the time of this read would have given.
  const plan = planSession(deps, known, input);
  // The same device resuming with everything written moments ago writes nothing, so it needs no
  // transaction.
  if (!alsoInTransaction && plan.kind === 'resume' && !plan.writeSession && !plan.writeCode) {
    deferLastSeen(deps.db, plan.sessionId, plan.now);
    return grantFor(deps, known, plan.sessionId, plan.now);
  }
  // On PostgreSQL the read under the lock travels with the BEGIN; SQLite reads in the transaction.
  const first = databaseKind(deps.db) === 'postgres' ? codeForSessionRead(deps.db, codeId) : undefined;
  const run = (scope: LockScope) =>
    writeTransaction(
      deps.db,
      async (trx, rows) => {
        // Read again under the lock: everything decided below rests on this read, not the one above.
        const current = first ? codeForSessionFrom(rows) : await loadCodeForSession(trx, codeId);
        if (!current) throw invalidCode(); // deleted since the check above
        const grant = await openSession(trx, deps, current, input, scope);
        await alsoInTransaction?.(trx);
        return grant;
      },
      { lock: scope === 'code' ? { code: codeId } : 'database', first },
    );
  // Ending a stale or displaced session writes to the revocation feed, which needs the whole database.
  if (plan.kind === 'open' && plan.ending.length > 0) return run('database');
  try {
    return await run('code');
  } catch (error) {
    // A session to end seen only under the lock; or (never expected: the code's lock excludes it) a
    // seat taken twice, refused by the unique index. Either way the whole database decides.
    if (error instanceof NeedsWholeDatabase || isUniqueViolation(error)) return run('database');
    throw error;
  }
}

/**
 * What a write transaction holds (database.ts `lock`): the whole database, or on PostgreSQL
 * only this code, beside transactions of other codes.
 */
type LockScope = 'database' | 'code';

/** Thrown in a transaction that holds only its code when it finds it must write more. */
class NeedsWholeDatabase extends Error {}

type SessionPlan =
  | { kind: 'resume'; now: number; sessionId: string; writeSession: boolean; writeCode: boolean }
  | { kind: 'open'; now: number; seat: number; ending: { session: OpenSession; reason: string }[]; writeCode: boolean };

/**
 * The checks of a code and its event and the seat rule, without writing: resume the device's own
 * session, or open one on a free seat (after timing out stale ones), or on the seat of the least
 * recently seen session when the event lets a new device take over. Throws the refusals.
 */
function planSession(deps: SessionDeps, { code, devices, event, open }: CodeForSession, input: Omit<StartSessionInput, 'code'>): SessionPlan {
  const now = deps.clock();
  if (code.revoked_at !== null) throw new AppError(403, 'code_revoked', 'This code has been revoked.');
  if (code.expires_at <= now) throw new AppError(410, 'code_expired', 'This code has expired.');
  checkEventAvailable(event, now);
  const recently = (at: number | null, intervalMs = RESUME_WRITE_INTERVAL_MS) => at !== null && now - at < intervalMs;
  const writeCode = code.first_used_at === null || !recently(code.last_used_at, CODE_USE_WRITE_INTERVAL_MS);
  const sessions = open.map((stored) => ({ stored, seen: withDeferredLastSeen(deps.db, stored) }));
  const timedOut = (s: OpenSession) => s.last_seen_at < now - SESSION_TIMEOUT_MS;
  const own = sessions.find(({ seen }) => seen.device_id === input.deviceId && !timedOut(seen));
  if (own) {
    // The stored time, not a deferred one: a heartbeat kept only in memory still has to be written.
    const writeSession = !recently(own.stored.last_seen_at) || own.stored.client_ip !== input.clientIp;
    return { kind: 'resume', now, sessionId: own.seen.id, writeSession, writeCode };
  }
  const ending = sessions.filter(({ seen }) => timedOut(seen)).map(({ seen }) => ({ session: seen, reason: 'timeout' }));
  const playing = sessions.map(({ seen }) => seen).filter((seen) => !timedOut(seen));
  const { seat, displaced } = seatForNewDevice(devices, event.device_policy, playing, { now, timeoutMs: SESSION_TIMEOUT_MS });
  return { kind: 'open', now, seat, ending: displaced ? [...ending, { session: displaced, reason: TAKEN_OVER }] : ending, writeCode };
}

/**
 * Inside a write transaction, with the code read in it: checks the code and its event, applies
 * the single-device rule and opens a session for the device, or resumes the device's own. For a
 * code entered in the portal and for a personal link alike (link-sessions.ts). A transaction that
 * holds only its code (`scope`) cannot end a stale session: it throws NeedsWholeDatabase first.
 */
export async function openSession(
  trx: Db,
  deps: SessionDeps,
  loaded: CodeForSession,
  input: Omit<StartSessionInput, 'code'>,
  scope: LockScope = 'database',
): Promise<PlaybackGrant> {
  const { code } = loaded;
  const plan = planSession(deps, loaded, input);
  const now = plan.now;
  const use = { first_used_at: code.first_used_at ?? now, last_used_at: now };
  if (plan.kind === 'resume') {
    await writeResume(trx, plan.writeSession ? { id: plan.sessionId, last_seen_at: now, client_ip: input.clientIp } : null, plan.writeCode ? { code_id: code.id, ...use } : null);
    // Written (or about to be): what this process kept in memory is superseded. A write
    // transaction that rolls back loses it, as a heartbeat's does.
    if (plan.writeSession) forgetDeferredLastSeen(deps.db, plan.sessionId);
    else deferLastSeen(deps.db, plan.sessionId, now);
    return grantFor(deps, loaded, plan.sessionId, now);
  }
  if (plan.ending.length > 0) {
    if (scope === 'code') throw new NeedsWholeDatabase();
    for (const { session, reason } of plan.ending) await endSessions(trx, now, [session], reason);
  }
  const sessionId = timeOrderedId(now);
  const session = {
    id: sessionId,
    code_id: code.id,
    event_id: code.event_id,
    device_id: input.deviceId,
    client_ip: input.clientIp,
    user_agent: input.userAgent?.slice(0, 300) ?? null,
    started_at: now,
    last_seen_at: now,
    seat: plan.seat,
  };
  const subscribed = await writeOpenedSession(trx, session, plan.writeCode ? use : null);
  await raiseSessionStarted(trx, now, code, sessionId, code.first_used_at === null, subscribed);
  return grantFor(deps, loaded, sessionId, now);
}

function grantFor(deps: SessionDeps, { code, event }: CodeForSession, sessionId: string, now: number): PlaybackGrant {
  const { token, expiresAt } = signPlaybackToken(deps.keyring.current, { codeId: code.id, eventId: event.id, sessionId }, now, deps.tokenTtlSeconds);
  return { token, expiresAt, sessionId, event };
}

export function checkEventAvailable(event: EventRow, now: number): void {
  if (event.status === 'archived') {
    throw new AppError(403, 'event_not_available', 'This event is no longer available.');
  }
  if (event.status === 'scheduled' && event.starts_at !== null && event.starts_at > now) {
    throw new AppError(403, 'event_not_available', 'This event has not started yet.', { startsAt: new Date(event.starts_at).toISOString() });
  }
}

/**
 * How long a heartbeat waits for the write lock before it answers without writing: a viewer who
 * is playing must not notice that another process holds the database.
 */
export const HEARTBEAT_LOCK_WAIT_MS = 500;

/**
 * Keeps a session alive and issues a fresh token, re-checking the code: a revoked or expired code
 * stops here even if the edge has not heard yet.
 *
 * When the write lock cannot be had in time, the checks run on the reading connection and the
 * token is issued all the same; the heartbeat's time is kept in memory (see `deferLastSeen`) and
 * written by the session's next heartbeat that gets the lock. Ending a session (expired code,
 * timeout) needs the lock: it waits for the sweep or the next heartbeat.
 */
export async function heartbeat(deps: SessionDeps, sessionId: string, claims: HeartbeatClaims): Promise<{ token: string; expiresAt: number }> {
  if (claims.sid !== sessionId) throw new AppError(403, 'session_mismatch', 'The token belongs to another session.');
  try {
    return await writeTransaction(deps.db, (trx) => heartbeatIn(trx, deps, sessionId, claims, true), { lockWaitMs: HEARTBEAT_LOCK_WAIT_MS });
  } catch (error) {
    if (!isDatabaseBusy(error)) throw error;
    return heartbeatIn(deps.db, deps, sessionId, claims, false);
  }
}

/** One heartbeat's checks and writes on `db` (a transaction when `canWrite`); also the edges' session reports (link-sessions.ts). */
export async function heartbeatIn(db: Db, deps: SessionDeps, sessionId: string, claims: Omit<HeartbeatClaims, 'sid'>, canWrite: boolean) {
  const now = deps.clock();
  const found = await db.selectFrom('sessions').selectAll().where('id', '=', sessionId).executeTakeFirst();
  if (found?.code_id === null) return anonymousHeartbeatIn(db, deps, withDeferredLastSeen(deps.db, found), claims, canWrite);
  if (!found || found.code_id !== claims.sub) throw new AppError(404, 'session_not_found', 'No such session.');
  const session = { ...withDeferredLastSeen(deps.db, found), code_id: found.code_id };
  const code = await db.selectFrom('access_codes').selectAll().where('id', '=', session.code_id).executeTakeFirstOrThrow();
  if (code.revoked_at !== null) throw new AppError(403, 'code_revoked', 'This code has been revoked.');
  if (code.expires_at <= now) {
    if (canWrite && session.ended_at === null) await endSessions(db, now, [session], 'expired');
    throw new AppError(410, 'code_expired', 'This code has expired.');
  }
  if (session.ended_at === null && session.last_seen_at < now - SESSION_TIMEOUT_MS) {
    if (canWrite) await endSessions(db, now, [session], 'timeout');
    session.ended_at = now;
  }
  if (session.ended_at !== null) throw sessionEnded(session.end_reason);
  const event = await db.selectFrom('events').selectAll().where('id', '=', session.event_id).executeTakeFirstOrThrow();
  if (event.status === 'archived') throw new AppError(403, 'event_not_available', 'This event is no longer available.');
  if (canWrite) {
    await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', sessionId).execute();
    await db.updateTable('access_codes').set({ last_used_at: now }).where('id', '=', code.id).execute();
    forgetDeferredLastSeen(deps.db, sessionId);
  } else {
    deferLastSeen(deps.db, sessionId, now);
  }
  return signPlaybackToken(deps.keyring.current, { codeId: code.id, eventId: session.event_id, sessionId }, now, deps.tokenTtlSeconds);
}

/** What a heartbeat reads of the token: an anonymous viewer's carries `publicSince`. */
export interface HeartbeatClaims {
  sub: string;
  sid: string;
  publicSince?: number;
}

/** The answer for an ended session; one whose seat another device took says so (the player tells the viewer). */
export function sessionEnded(reason: string | null): AppError {
  if (reason === TAKEN_OVER) return new AppError(409, 'session_ended', 'This code started playing on another device.', { reason: TAKEN_OVER });
  return new AppError(409, 'session_ended', 'This session has ended; enter the code again.');
}

/** Frees the code for another device at once; idempotent. */
export async function releaseSession(deps: Pick<SessionDeps, 'db' | 'clock'>, sessionId: string, claims: { sub: string; sid: string }, reason = 'released'): Promise<void> {
  if (claims.sid !== sessionId) throw new AppError(403, 'session_mismatch', 'The token belongs to another session.');
  await writeTransaction(deps.db, async (trx) => {
    const session = await trx.selectFrom('sessions').selectAll().where('id', '=', sessionId).where('ended_at', 'is', null).executeTakeFirst();
    if (session && (session.code_id ?? PUBLIC_SCOPE) === claims.sub) await endSessions(trx, deps.clock(), [session], reason);
  });
}

/** Ends every session silent for longer than the timeout; returns how many. */
export async function endTimedOutSessions(deps: Pick<SessionDeps, 'db' | 'clock'>): Promise<number> {
  const cutoff = deps.clock() - SESSION_TIMEOUT_MS;
  // Resumes keep their times here (RESUME_WRITE_INTERVAL_MS): dropped even when nothing times out.
  forgetDeferredLastSeenBefore(deps.db, cutoff);
  const stale = await deps.db.selectFrom('sessions').select('id').where('ended_at', 'is', null).where('last_seen_at', '<', cutoff).limit(1_000).execute();
  if (stale.length === 0) return 0;
  return writeTransaction(deps.db, async (trx) => {
    const now = deps.clock();
    const rows = await trx
      .selectFrom('sessions')
      .selectAll()
      .where('id', 'in', stale.map((s) => s.id))
      .where('ended_at', 'is', null)
      .where('last_seen_at', '<', now - SESSION_TIMEOUT_MS)
      .execute();
    const silent = rows.map((row) => withDeferredLastSeen(deps.db, row)).filter((row) => row.last_seen_at < now - SESSION_TIMEOUT_MS);
    await endSessions(trx, now, silent, 'timeout');
    forgetDeferredLastSeenBefore(deps.db, now - SESSION_TIMEOUT_MS);
    return silent.length;
  });
}

/** Ends sessions and tells the edges, so a displaced or departed device stops too. */
export async function endSessions(trx: Db, now: number, sessions: { id: string; event_id: string; code_id?: string | null }[], reason: string): Promise<void> {
  if (sessions.length === 0) return;
  await trx.updateTable('sessions').set({ ended_at: now, end_reason: reason }).where('id', 'in', sessions.map((s) => s.id)).execute();
  await appendRevocations(trx, now, sessions.map((s) => ({ kind: 'session_ended' as const, eventId: s.event_id, sessionId: s.id })));
  await raiseSessionsEnded(trx, now, sessions, reason);
}
