import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { cliActor, recordAudit } from '../audit-log.js';
import { codeCounts } from '../codes/code-counts.js';
import type { Db } from '../db/database.js';
import { writeTransaction } from '../db/database.js';
import { toIso } from '../duration.js';
import type { EventDeps } from './event-service.js';
import { WHILE_PUBLISHING } from './ingest-state.js';
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

/**
 * Deletes one event and everything that hangs on it in one transaction (with its audit entry),
 * then its folder. The folder is first renamed out of the edge's way, and put back if the
 * database refuses, as `events reset-recording` does. Returns false when the event no longer
 * qualifies (it changed, or another prune took it).
 */
export async function pruneEvent(deps: EventDeps, id: string, endedBefore: number, hlsRoot: string): Promise<boolean> {
  const dir = path.join(hlsRoot, id);
  const trash = path.join(hlsRoot, `.prune-${id}-${crypto.randomBytes(4).toString('hex')}`);
  const moved = fs.existsSync(dir);
  if (moved) fs.renameSync(dir, trash);
  let pruned: boolean;
  try {
    pruned = await writeTransaction(deps.db, async (trx) => {
      const event = await trx
        .selectFrom('events')
        .select(['status', 'title', 'ends_at', 'updated_at'])
        .where('id', '=', id)
        .where('status', 'in', ['ended', 'archived'])
        .where('ingest_state', 'not in', WHILE_PUBLISHING)
        .where(sql<number>`coalesce(ends_at, updated_at)`, '<', endedBefore)
        .executeTakeFirst();
      if (!event) return false;
      const deleted: Record<string, number> = {};
      for (const table of EVENT_TABLES) {
        const result = await trx.deleteFrom(table).where('event_id', '=', id).executeTakeFirst();
        deleted[table] = Number(result.numDeletedRows);
      }
      await trx.deleteFrom('events').where('id', '=', id).execute();
      const media = moved ? folderUsage(trash) : { files: 0, bytes: 0 };
      await recordAudit(trx, deps.clock(), {
        actor: deps.actor ?? cliActor(),
        action: 'event.prune',
        target: id,
        ip: deps.ip ?? null,
        details: { title: event.title, status: event.status, endedBefore: toIso(endedBefore), codes: deleted.access_codes, sessions: deleted.sessions, mediaFiles: media.files, mediaBytes: media.bytes },
      });
      return true;
    });
  } catch (error) {
    if (moved && !fs.existsSync(dir)) fs.renameSync(trash, dir);
    throw error;
  }
  if (!pruned) {
    if (moved && !fs.existsSync(dir)) fs.renameSync(trash, dir);
    return false;
  }
  if (moved) fs.rmSync(trash, { recursive: true, force: true });
  return true;
}
