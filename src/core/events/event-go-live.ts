import { cliActor, recordAudit } from '../audit-log.js';
import type { Db } from '../db/database.js';
import { writeTransaction } from '../db/database.js';
import type { EventRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { EventDeps } from './event-service.js';
import { getEvent } from './event-service.js';

/**
 * Brings the event's start forward to now: a rehearsal under way becomes the show within a second
 * (the ingest checks every second), and a publish from now on goes live at once. An event that
 * has started already is left as it is.
 */
export async function goLive(deps: EventDeps, id: string): Promise<EventRow> {
  const now = deps.clock();
  return writeTransaction(deps.db, async (trx: Db) => {
    const event = await getEvent(trx, id);
    if (event.status === 'archived') throw new AppError(409, 'event_archived', `event "${id}" is archived`);
    if (event.starts_at === null || event.starts_at <= now) return event;
    await trx.updateTable('events').set({ starts_at: now, updated_at: now }).where('id', '=', id).execute();
    await recordAudit(trx, now, { actor: deps.actor ?? cliActor(), action: 'event.go_live', target: id, ip: deps.ip ?? null, details: { scheduledStart: new Date(event.starts_at).toISOString() } });
    return { ...event, starts_at: now, updated_at: now };
  });
}
