import type { Db } from '../db/database.js';
import { codeCounts, type CodeCounts } from '../codes/code-counts.js';
import { whereSessionActive } from '../sessions/session-service.js';

export interface EventStats {
  eventId: string;
  viewersNow: number;
  codes: CodeCounts;
}

/**
 * Per event: viewers watching now and codes by status (the dashboard's numbers, polled every 5 s).
 * Both are index reads of a few rows per event, however many codes it has: codes come from the
 * counters kept by the writes (code-counts.ts), viewers from the sessions not yet ended.
 */
export async function eventStats(db: Db, nowMs: number, eventIds: readonly string[]): Promise<Map<string, EventStats>> {
  const codes = await codeCounts(db, nowMs, eventIds);
  const stats = new Map<string, EventStats>(eventIds.map((id) => [id, { eventId: id, viewersNow: 0, codes: codes.get(id)! }]));
  if (eventIds.length === 0) return stats;
  const viewers = await db
    .selectFrom('sessions')
    .select(['event_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where(whereSessionActive(nowMs))
    .where('event_id', 'in', eventIds)
    .groupBy('event_id')
    .execute();
  for (const row of viewers) stats.get(row.event_id)!.viewersNow = Number(row.n);
  return stats;
}
