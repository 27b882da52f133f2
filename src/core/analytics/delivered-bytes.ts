import type { Db } from '../db/database.js';
import { writeTransaction } from '../db/database.js';
import { HEARTBEAT_LOCK_WAIT_MS } from '../sessions/session-service.js';

export interface DeliveredBytes {
  eventId: string;
  bytes: number;
}

/**
 * Adds what an edge reports having sent (playlists and segments, per event) to the events'
 * totals. Entries for events that do not exist are dropped (an edge may outlive a deleted event).
 * Waits for the write lock no longer than a heartbeat does: the caller keeps the bytes and
 * reports them again when this answers busy.
 */
export async function recordDeliveredBytes(db: Db, now: number, entries: readonly DeliveredBytes[]): Promise<void> {
  const totals = new Map<string, number>();
  for (const { eventId, bytes } of entries) if (bytes > 0) totals.set(eventId, (totals.get(eventId) ?? 0) + bytes);
  if (totals.size === 0) return;
  await writeTransaction(
    db,
    async (trx) => {
      const known = await trx.selectFrom('events').select('id').where('id', 'in', [...totals.keys()]).execute();
      for (const { id } of known) {
        await trx
          .insertInto('event_traffic')
          .values({ event_id: id, bytes_delivered: totals.get(id)!, updated_at: now })
          .onConflict((oc) =>
            oc.column('event_id').doUpdateSet((eb) => ({
              bytes_delivered: eb(eb.ref('event_traffic.bytes_delivered'), '+', eb.ref('excluded.bytes_delivered')),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
    },
    { lockWaitMs: HEARTBEAT_LOCK_WAIT_MS },
  );
}
