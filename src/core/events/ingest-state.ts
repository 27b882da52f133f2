import type { Db } from '../db/database.js';
import { writeTransaction } from '../db/database.js';
import type { IngestState } from '../db/schema.js';

/**
 * Records what the ingest does with an event's publisher (schema.ts, IngestState), so that
 * `events show` and the admin API, in other processes, can say why an event with a publisher is
 * not live. Not audited: it changes with every publish; the event's status changes are.
 */
export async function setIngestState(db: Db, eventId: string, state: IngestState, reason: string | null, onlyFrom?: readonly IngestState[]): Promise<void> {
  await writeTransaction(db, async (trx) => {
    let update = trx.updateTable('events').set({ ingest_state: state, ingest_reason: reason }).where('id', '=', eventId);
    // A publisher leaving must not wipe out why it was refused.
    if (onlyFrom) update = update.where('ingest_state', 'in', onlyFrom);
    await update.execute();
  });
}

/** The states a publisher's departure ends; `refused` and `failed` stay to say why. */
export const WHILE_PUBLISHING: readonly IngestState[] = ['connected', 'writing'];

/**
 * At ingest start: no publisher is connected to a fresh process, so an event still marked as
 * connected or writing was left so by one that stopped without cleaning up.
 */
export async function resetIngestStates(db: Db): Promise<void> {
  await writeTransaction(db, async (trx) => {
    await trx
      .updateTable('events')
      .set({ ingest_state: 'idle', ingest_reason: 'the ingest restarted' })
      .where('ingest_state', 'in', WHILE_PUBLISHING)
      .execute();
  });
}
