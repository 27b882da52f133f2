import path from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { sql } from 'kysely';
import { cliActor, recordAudit } from '../audit-log.js';
import { codeCounts } from '../codes/code-counts.js';
import { hlsKeysRoot } from '../hls-keys/hls-key-store.js';
import type { Db } from '../db/database.js';
import { writeTransaction } from '../db/database.js';
import { toIso } from '../duration.js';
import type { EventDeps } from './event-service.js';
import { WHILE_PUBLISHING } from './ingest-state.js';
import { setFolderAside } from './folder-set-aside.js';
import { folderUsage } from './media-usage.js';

/**
 * `events prune`: an event that ended long ago goes whole, not only its recording. Its codes, code
 * batches, sessions, viewer statistics, traffic, stream health, recording window and event-scoped
 * API keys are rows that mean nothing without the event (and its codes would let viewers into
 * nothing); the audit log, the revocation feed (append-only, for the edges) and the webhook
 * delivery log (pruned on its own) keep their history.
 *
 * An event qualifies when it is `ended` or `archived` and its end (its `ends_at`, or without one
 * the time it last changed, which for an ended event is when it ended) is before the cut-off, and
 * no publisher is on it (FFmpeg would be writing into its folder).
 */
export interface PruneCandidate {
  id: string;
  title: string;
  status: string;
  endedAt: string;
  codes: number;
  /** Codes that still let a viewer rewatch now: pruning stops them. */
  workingCodes: number;
  mediaFiles: number;
  mediaBytes: number;
}

export async function findPrunableEvents(db: Db, nowMs: number, endedBefore: number, hlsRoot: string): Promise<PruneCandidate[]> {
  const rows = await db
    .selectFrom('events')
    .select(['id', 'title', 'status', 'ends_at', 'updated_at'])
    .where('status', 'in', ['ended', 'archived'])
    .where('ingest_state', 'not in', WHILE_PUBLISHING)
    .where(sql<number>`coalesce(ends_at, updated_at)`, '<', endedBefore)
    .orderBy('id')
    .execute();
  if (rows.length === 0) return [];
  const counts = await codeCounts(db, nowMs, rows.map((r) => r.id));
  return rows.map((row) => {
    const c = counts.get(row.id);
    const media = folderUsage(path.join(hlsRoot, row.id));
    return {
      id: row.id,
      title: row.title,
      status: row.status,
      endedAt: toIso(row.ends_at ?? row.updated_at)!,
      codes: c ? c.active + c.used + c.revoked + c.expired : 0,
      workingCodes: c ? (row.status === 'archived' ? 0 : c.active + c.used) : 0,
      mediaFiles: media.files,
      mediaBytes: media.bytes,
    };
  });
}

/** Tables whose rows hang on an event, children before parents (foreign keys). */
const EVENT_TABLES = ['sessions', 'code_counts', 'access_codes', 'code_batches', 'viewer_minutes', 'viewer_hours', 'event_traffic', 'stream_health', 'recording_windows', 'api_keys'] as const;
/** Rows deleted per transaction: a million-code event must not hold the write lock for seconds. */
const CHUNK_ROWS = 5_000;
/** Pause between chunks, so other writers (polling every 2 ms) get their turn. */
const LOCK_GAP_MS = 5;

/**
 * Deletes one event and everything that hangs on it, then its folder and its sealed AES-128 keys
 * (data/keys/<id>: they open nothing once the recording is gone). The first transaction
 * archives the event (no code of it works from then on, no publisher gets in); its sessions and
 * codes then go in short transactions, so the services keep writing meanwhile; the last one
 * deletes the rest and the event with its audit entry. An interrupted prune leaves an archived
 * event that still qualifies: running it again finishes the job. The folder and the keys are first
 * renamed out of the edge's way, and put back if the event no longer qualifies or the database fails.
 * Returns false when the event no longer qualifies (it changed, or another prune took it).
 */
export async function pruneEvent(deps: EventDeps, id: string, endedBefore: number, hlsRoot: string): Promise<boolean> {
  const media = setFolderAside(path.join(hlsRoot, id), 'prune');
  // data/ is hls/'s parent: the keys folder sits beside it.
  const keys = setFolderAside(path.join(hlsKeysRoot(path.dirname(hlsRoot)), id), 'prune');
  const putBack = () => {
    media.putBack();
    keys.putBack();
  };
  let event: { status: string; title: string } | undefined;
  try {
    event = await writeTransaction(deps.db, async (trx) => {
      const row = await trx
        .selectFrom('events')
        .select(['status', 'title'])
        .where('id', '=', id)
        .where('status', 'in', ['ended', 'archived'])
        .where('ingest_state', 'not in', WHILE_PUBLISHING)
        .where(sql<number>`coalesce(ends_at, updated_at)`, '<', endedBefore)
        .executeTakeFirst();
      // updated_at stays: without an ends_at it is the end this prune (and a re-run) goes by.
      if (row?.status === 'ended') await trx.updateTable('events').set({ status: 'archived' }).where('id', '=', id).execute();
      return row;
    });
    if (!event) {
      putBack();
      return false;
    }
    const codes = await deleteInChunks(deps.db, 'access_codes', id, async (trx, ids) => {
      await trx.deleteFrom('sessions').where('code_id', 'in', ids).execute();
    });
    await writeTransaction(deps.db, async (trx) => {
      const deleted: Record<string, number> = {};
      for (const table of EVENT_TABLES) {
        const result = await trx.deleteFrom(table).where('event_id', '=', id).executeTakeFirst();
        deleted[table] = Number(result.numDeletedRows);
      }
      await trx.deleteFrom('events').where('id', '=', id).execute();
      const usage = media.moved ? folderUsage(media.trash) : { files: 0, bytes: 0 };
      await recordAudit(trx, deps.clock(), {
        actor: deps.actor ?? cliActor(),
        action: 'event.prune',
        target: id,
        ip: deps.ip ?? null,
        details: { title: event!.title, status: event!.status, endedBefore: toIso(endedBefore), codes: codes + deleted.access_codes!, mediaFiles: usage.files, mediaBytes: usage.bytes },
      });
    });
  } catch (error) {
    putBack();
    throw error;
  }
  media.remove();
  keys.remove();
  return true;
}

/** Deletes the event's rows of `table` (with what `before` removes first), a chunk per transaction. */
async function deleteInChunks(db: Db, table: 'access_codes', eventId: string, before: (trx: Db, ids: string[]) => Promise<void>): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await writeTransaction(db, async (trx) => {
      const ids = (await trx.selectFrom(table).select('id').where('event_id', '=', eventId).limit(CHUNK_ROWS).execute()).map((r) => r.id);
      if (ids.length === 0) return 0;
      await before(trx, ids);
      await trx.deleteFrom(table).where('id', 'in', ids).execute();
      return ids.length;
    });
    total += deleted;
    if (deleted < CHUNK_ROWS) return total;
    await setTimeout(LOCK_GAP_MS);
  }
}
