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
  // One grouped count per status, with the same rule as listing uses.
  for (const status of CODE_STATUSES) {
    const rows = await db
      .selectFrom('codes')
      .select(['event_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('event_id', 'in', eventIds)
      .where(whereCodeStatus(status, nowMs))
      .groupBy('event_id')
      .execute();
    for (const row of rows) stats.get(row.event_id)!.codes[status] = Number(row.n);
  }
  return stats;
}
