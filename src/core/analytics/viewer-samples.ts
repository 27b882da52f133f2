import type { Db } from '../db/database.js';
import { writeTransaction } from '../db/database.js';
import { whereSessionActive } from '../sessions/session-service.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
/** Per-minute samples are kept this long, then rolled up into hours (which are kept). */
export const MINUTE_RETENTION_MS = 7 * 24 * HOUR_MS;
/** (event, hour) groups rolled up per write transaction: the write lock is held for a few ms at a time. */
const ROLLUP_CHUNK = 200;

export const minuteOf = (ms: number) => ms - (ms % MINUTE_MS);
export const hourOf = (ms: number) => ms - (ms % HOUR_MS);

/**
 * Viewers watching each event now: live events (with 0 when nobody watches, so the chart drops to
 * zero) and any other event with active sessions (a rewatch). Read on the reading connection.
 */
export async function viewersNowByEvent(db: Db, now: number): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  // Archived events have no sessions left open. Naming the events lets both databases seek the
  // sessions_event index to each event's open sessions: counting them costs the viewers watching,
  // not every session ever (a grouped scan read them all).
  const events = await db.selectFrom('events').select(['id', 'status']).where('status', '!=', 'archived').execute();
  for (const { id, status } of events) if (status === 'live') counts.set(id, 0);
  if (events.length === 0) return counts;
  const rows = await db
    .selectFrom('sessions')
    .select(['event_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('event_id', 'in', events.map((e) => e.id))
    .where(whereSessionActive(now))
    .groupBy('event_id')
    .execute();
  for (const row of rows) counts.set(row.event_id, Number(row.n));
  return counts;
}

/**
 * Stores this count as the minute's sample, or raises the minute's sample to it: each row is the
 * most viewers seen at once during its minute. Taking the maximum is idempotent, so platform
 * replicas sampling the same database never count twice, whichever writes first.
 */
export async function recordViewerSample(db: Db, now: number, counts?: Map<string, number>): Promise<number> {
  const viewers = counts ?? (await viewersNowByEvent(db, now));
  if (viewers.size === 0) return 0;
  const minute = minuteOf(now);
  const rows = [...viewers].map(([event_id, n]) => ({ event_id, minute, viewers: n }));
  await writeTransaction(db, async (trx) => {
    // An event deleted between the count and now would fail the foreign key: keep those that exist.
    const existing = new Set((await trx.selectFrom('events').select('id').where('id', 'in', rows.map((r) => r.event_id)).execute()).map((r) => r.id));
    const kept = rows.filter((r) => existing.has(r.event_id));
    if (kept.length === 0) return;
    await trx
      .insertInto('viewer_minutes')
      .values(kept)
      .onConflict((oc) =>
        oc
          .columns(['event_id', 'minute'])
          .doUpdateSet({ viewers: (eb) => eb.ref('excluded.viewers') })
          .where((eb) => eb('excluded.viewers', '>', eb.ref('viewer_minutes.viewers'))),
      )
      .execute();
  });
  return rows.length;
}

/**
 * Rolls the per-minute samples of every whole hour older than the retention into one row per
 * event and hour (peak, sum and count of its minutes) and deletes those minutes, in short
 * transactions. A second replica doing the same finds nothing left to roll; a merge into an
 * existing hour row adds up, so nothing is lost or counted twice. Returns the hours written.
 */
export async function rollUpViewerMinutes(db: Db, now: number): Promise<number> {
  const cutoff = hourOf(now - MINUTE_RETENTION_MS);
  let written = 0;
  for (;;) {
    const done = await writeTransaction(db, async (trx) => {
      const groups = await trx
        .selectFrom('viewer_minutes')
        .select((eb) => [
          'event_id',
          eb(eb.ref('minute'), '-', eb(eb.ref('minute'), '%', HOUR_MS)).as('hour'),
          eb.fn.max<number>('viewers').as('peak'),
          eb.fn.sum<number>('viewers').as('total'),
          eb.fn.countAll<number>().as('n'),
        ])
        .where('minute', '<', cutoff)
        .groupBy(['event_id', 'hour'])
        .orderBy('hour')
        .limit(ROLLUP_CHUNK)
        .execute();
      for (const g of groups) {
        const hour = Number(g.hour);
        await trx
          .insertInto('viewer_hours')
          .values({ event_id: g.event_id, hour, peak: Number(g.peak), viewer_minutes: Number(g.total), minutes: Number(g.n) })
          .onConflict((oc) =>
            oc.columns(['event_id', 'hour']).doUpdateSet((eb) => ({
              peak: eb.case().when('excluded.peak', '>', eb.ref('viewer_hours.peak')).then(eb.ref('excluded.peak')).else(eb.ref('viewer_hours.peak')).end(),
              viewer_minutes: eb(eb.ref('viewer_hours.viewer_minutes'), '+', eb.ref('excluded.viewer_minutes')),
              minutes: eb(eb.ref('viewer_hours.minutes'), '+', eb.ref('excluded.minutes')),
            })),
          )
          .execute();
        await trx.deleteFrom('viewer_minutes').where('event_id', '=', g.event_id).where('minute', '>=', hour).where('minute', '<', hour + HOUR_MS).execute();
      }
      return groups.length;
    });
    written += done;
    if (done < ROLLUP_CHUNK) return written;
  }
}
