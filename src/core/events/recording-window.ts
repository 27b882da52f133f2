import type { Db } from '../db/database.js';
import { writeTransaction } from '../db/database.js';

/**
 * Keeps only the last `seconds` of the event's recording from its next publish on (a rolling
 * playlist whose older segments are deleted): for streams without an end, such as the demo's
 * test pattern, which would otherwise fill the disk. Null keeps the whole recording.
 */
export async function setRecordingWindow(db: Db, eventId: string, seconds: number | null): Promise<void> {
  await writeTransaction(db, async (trx) => {
    await trx.deleteFrom('recording_windows').where('event_id', '=', eventId).execute();
    if (seconds !== null) await trx.insertInto('recording_windows').values({ event_id: eventId, seconds }).execute();
  });
}
