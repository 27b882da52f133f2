import type { Db } from '../db/database.js';

/**
 * Heartbeats that could not be written because another process held the database lock: session
 * id → time of the latest such heartbeat, per database. The sweep and the single-device check
 * read them as if written, so a viewer who kept playing is not timed out; the session's next
 * heartbeat that gets the lock writes its own, later time and drops the entry.
 *
 * Held by this process only: with the lock held for longer than a session timeout and the
 * platform restarted meanwhile, those sessions time out and their viewers enter their code again.
 */
const deferred = new WeakMap<Db, Map<string, number>>();

export function deferLastSeen(db: Db, sessionId: string, at: number): void {
  let times = deferred.get(db);
  if (!times) deferred.set(db, (times = new Map()));
  times.set(sessionId, Math.max(at, times.get(sessionId) ?? 0));
}

/** The row with its last-seen time moved up to a heartbeat not yet written, if there is one. */
export function withDeferredLastSeen<T extends { id: string; last_seen_at: number }>(db: Db, session: T): T {
  const at = deferred.get(db)?.get(session.id);
  return at !== undefined && at > session.last_seen_at ? { ...session, last_seen_at: at } : session;
}

export function forgetDeferredLastSeen(db: Db, sessionId: string): void {
  deferred.get(db)?.delete(sessionId);
}

/** Drops entries older than `cutoff`: those sessions have timed out anyway. */
export function forgetDeferredLastSeenBefore(db: Db, cutoff: number): void {
  const times = deferred.get(db);
  if (!times) return;
  for (const [sessionId, at] of times) if (at < cutoff) times.delete(sessionId);
}
