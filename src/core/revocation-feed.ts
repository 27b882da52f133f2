import { sql } from 'kysely';
import type { Db } from './db/database.js';
import { isPostgres, notifyFeedListeners } from './db/feed-notifications.js';
import type { RevocationKind } from './db/schema.js';

export interface RevocationEntryInput {
  kind: RevocationKind;
  eventId: string;
  codeId?: string | null;
  sessionId?: string | null;
  kid?: string | null;
}

/** Held by feed appends on PostgreSQL until commit (see `appendRevocations`); any fixed number unique to this use. */
const FEED_APPEND_LOCK = 0x5347_4645; // 'SGFE'

/**
 * Appends to the edges' feed inside the caller's transaction: a revocation and its entry land
 * together, and on PostgreSQL every platform replica is notified when it commits.
 */
export async function appendRevocations(trx: Db, nowMs: number, entries: RevocationEntryInput[]): Promise<void> {
  if (entries.length === 0) return;
  // Readers take "everything after my cursor", so cursors must become visible in their order. A
  // PostgreSQL sequence hands them out at insert, yet transactions commit in any order: a reader
  // could see 11, move past it, and never see 10 committed a moment later. Appends therefore take
  // turns until commit. (SQLite has one writer at a time anyway.)
  if (isPostgres(trx)) await sql`select pg_advisory_xact_lock(${FEED_APPEND_LOCK})`.execute(trx);
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
