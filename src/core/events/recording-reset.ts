import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { cliActor, recordAudit } from '../audit-log.js';
import type { Db } from '../db/database.js';
import { writeTransaction } from '../db/database.js';
import { AppError } from '../errors.js';
import type { EventDeps } from './event-service.js';
import { getEvent } from './event-service.js';
import { WHILE_PUBLISHING } from './ingest-state.js';

export interface ResetResult {
  eventId: string;
  files: number;
  bytes: number;
  /** The event's status afterwards: an ended event is scheduled again (it has nothing to rewatch). */
  status: string;
}

/**
 * Clears an event's recording (data/hls/<id>/), e.g. a rehearsal before the show: the next publish
 * starts a new playlist. Refused while the event is live or a publisher is on (FFmpeg is writing
 * there). The folder is first renamed out of the edge's way in one step, so a player never sees
 * half of it; if the database then refuses, it is put back.
 */
export async function resetRecording(deps: EventDeps, id: string, hlsRoot: string): Promise<ResetResult> {
  const now = deps.clock();
  const dir = path.join(hlsRoot, id);
  const trash = path.join(hlsRoot, `.reset-${id}-${crypto.randomBytes(4).toString('hex')}`);
  const check = (event: Awaited<ReturnType<typeof getEvent>>) => {
    if (event.status === 'archived') throw new AppError(409, 'event_archived', `event "${id}" is archived`);
    if (event.status === 'live') throw new AppError(409, 'event_live', `event "${id}" is live; stop the publisher and wait for the event to end first`);
    if (WHILE_PUBLISHING.includes(event.ingest_state)) throw new AppError(409, 'publisher_connected', `a publisher is streaming to event "${id}"; stop it first`);
  };
  check(await getEvent(deps.db, id)); // before touching any file
  const moved = fs.existsSync(dir);
  if (moved) fs.renameSync(dir, trash);
  let status: string;
  try {
    status = await writeTransaction(deps.db, async (trx: Db) => {
      const event = await getEvent(trx, id);
      check(event);
      const next = event.status === 'ended' ? 'scheduled' : event.status;
      if (next !== event.status) await trx.updateTable('events').set({ status: next, updated_at: now }).where('id', '=', id).execute();
      await trx.deleteFrom('stream_health').where('event_id', '=', id).execute();
      const { files, bytes } = moved ? sizeOf(trash) : { files: 0, bytes: 0 };
      await recordAudit(trx, now, { actor: deps.actor ?? cliActor(), action: 'event.reset_recording', target: id, ip: deps.ip ?? null, details: { files, bytes, from: event.status, to: next } });
      return next;
    });
  } catch (error) {
    if (moved && !fs.existsSync(dir)) fs.renameSync(trash, dir);
    throw error;
  }
  const { files, bytes } = moved ? sizeOf(trash) : { files: 0, bytes: 0 };
  if (moved) fs.rmSync(trash, { recursive: true, force: true });
  return { eventId: id, files, bytes, status };
}

function sizeOf(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    files += 1;
    bytes += fs.statSync(path.join(entry.parentPath ?? (entry as { path: string }).path, entry.name)).size;
  }
  return { files, bytes };
}
