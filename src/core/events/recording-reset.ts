import fs from 'node:fs';
import path from 'node:path';
import { cliActor, recordAudit } from '../audit-log.js';
import type { Db } from '../db/database.js';
import { writeTransaction } from '../db/database.js';
import { AppError } from '../errors.js';
import { hlsKeysRoot } from '../hls-keys/hls-key-store.js';
import type { EventDeps } from './event-service.js';
import { getEvent } from './event-service.js';
import { setFolderAside } from './folder-set-aside.js';
import { WHILE_PUBLISHING } from './ingest-state.js';

export interface ResetResult {
  eventId: string;
  files: number;
  bytes: number;
  /** The event's status afterwards: an ended event is scheduled again (it has nothing to rewatch). */
  status: string;
}

/**
 * Clears an event's recording (data/hls/<id>/) and the sealed AES-128 keys of an encrypted one
 * (data/keys/<id>/: they open nothing once the segments are gone), e.g. a rehearsal before the
 * show: the next publish starts a new playlist under new keys. Refused while the event is live or
 * a publisher is on (FFmpeg is writing there). Both folders are first renamed out of the edge's way
 * in one step, so a player never sees half of them; if the database then refuses, they are put back.
 */
export async function resetRecording(deps: EventDeps, id: string, hlsRoot: string): Promise<ResetResult> {
  const now = deps.clock();
  const check = (event: Awaited<ReturnType<typeof getEvent>>) => {
    if (event.status === 'archived') throw new AppError(409, 'event_archived', `event "${id}" is archived`);
    if (event.status === 'live') throw new AppError(409, 'event_live', `event "${id}" is live; stop the publisher and wait for the event to end first`);
    if (WHILE_PUBLISHING.includes(event.ingest_state)) throw new AppError(409, 'publisher_connected', `a publisher is streaming to event "${id}"; stop it first`);
  };
  check(await getEvent(deps.db, id)); // before touching any file
  const media = setFolderAside(path.join(hlsRoot, id), 'reset');
  // data/ is hls/'s parent: the keys folder sits beside it.
  const keys = setFolderAside(path.join(hlsKeysRoot(path.dirname(hlsRoot)), id), 'reset');
  let status: string;
  try {
    status = await writeTransaction(deps.db, async (trx: Db) => {
      const event = await getEvent(trx, id);
      check(event);
      const next = event.status === 'ended' ? 'scheduled' : event.status;
      if (next !== event.status) await trx.updateTable('events').set({ status: next, updated_at: now }).where('id', '=', id).execute();
      await trx.deleteFrom('stream_health').where('event_id', '=', id).execute();
      const { files, bytes } = media.moved ? sizeOf(media.trash) : { files: 0, bytes: 0 };
      await recordAudit(trx, now, { actor: deps.actor ?? cliActor(), action: 'event.reset_recording', target: id, ip: deps.ip ?? null, details: { files, bytes, from: event.status, to: next } });
      return next;
    });
  } catch (error) {
    media.putBack();
    keys.putBack();
    throw error;
  }
  const { files, bytes } = media.moved ? sizeOf(media.trash) : { files: 0, bytes: 0 };
  media.remove();
  keys.remove();
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
