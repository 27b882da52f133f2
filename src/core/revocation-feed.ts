import type { Db } from './db/database.js';
import { notifyFeedListeners } from './db/feed-notifications.js';
import type { RevocationKind } from './db/schema.js';

export interface RevocationEntryInput {
  kind: RevocationKind;
  eventId: string;
  codeId?: string | null;
  sessionId?: string | null;
  kid?: string | null;
}

/**
 * Appends to the edges' feed inside the caller's transaction: a revocation and its entry land
 * together, and on PostgreSQL every platform replica is notified when it commits.
 */
export async function appendRevocations(trx: Db, nowMs: number, entries: RevocationEntryInput[]): Promise<void> {
  if (entries.length === 0) return;
  // Readers take "everything after my cursor", so cursors must become visible in their order.
  // `trx` is a `writeTransaction`, and those take turns across every process and replica (on
  // PostgreSQL too, by an advisory lock), so a cursor never commits after a higher one.
  // 500 rows × 5 values stays far below SQLite's bound-parameter limit.
  for (let i = 0; i < entries.length; i += 500) {
    await trx
      .insertInto('revocations')
      .values(
        entries.slice(i, i + 500).map((e) => ({
          kind: e.kind,
          event_id: e.eventId,
          code_id: e.codeId ?? null,
          session_id: e.sessionId ?? null,
          kid: e.kid ?? null,
          created_at: nowMs,
        })),
      )
      .execute();
  }
  await notifyFeedListeners(trx);
}

/** An entry as the edges receive it. */
export interface FeedEntry {
  cursor: number;
  kind: RevocationKind;
  eventId: string;
  codeId: string | null;
  sessionId: string | null;
  /** The revoked signing key of a `key_revoked` entry. */
  kid: string | null;
  at: number;
}

/**
 * Entries after `since`, oldest first. Entries older than `windowMs` are left out: every token
 * they could match has expired by then (nothing new is signed for a revoked code, an ended
 * session or an archived event), so an edge starting cold needs only the recent past. A revoked
 * signing key is the exception, served whatever its age: an edge with a stale copy of the key
 * (PLAYBACK_SIGNING_SECRET elsewhere, an old data/secret) would otherwise accept what it signs.
 */
export async function readFeed(db: Db, since: number, nowMs: number, windowMs: number, limit = 1_000): Promise<FeedEntry[]> {
  const rows = await db
    .selectFrom('revocations')
    .selectAll()
    .where('cursor', '>', since)
    .where((eb) => eb.or([eb('created_at', '>=', nowMs - windowMs), eb('kind', '=', 'key_revoked')]))
    .orderBy('cursor')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ cursor: r.cursor, kind: r.kind, eventId: r.event_id, codeId: r.code_id, sessionId: r.session_id, kid: r.kid, at: r.created_at }));
}

export async function latestCursor(db: Db): Promise<number> {
  const row = await db.selectFrom('revocations').select((eb) => eb.fn.max('cursor').as('cursor')).executeTakeFirst();
  return Number(row?.cursor ?? 0);
}
