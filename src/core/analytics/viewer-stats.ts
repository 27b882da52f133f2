import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { EventRow } from '../db/schema.js';
import { invalidInput } from '../errors.js';
import { SESSION_TIMEOUT_MS } from '../sessions/session-service.js';
import { HOUR_MS, hourOf, minuteOf } from './viewer-samples.js';

/**
 * A session is counted as watched up to its end, or at most this long after its last heartbeat
 * (the player's interval): one that timed out is ended by the sweep a minute or more later, and
 * that minute was not watched.
 */
export const WATCH_GRACE_MS = 30_000;
/** Up to this span the series is per minute by default; longer spans are per hour. */
export const MINUTE_SERIES_MAX_MS = 48 * HOUR_MS;

export type Resolution = 'minute' | 'hour';

export interface ViewerPoint {
  at: string;
  /** The most viewers at once in the period. */
  viewers: number;
  /** The mean of the period's per-minute samples (equal to `viewers` for a minute). */
  average: number;
}

export interface ViewerStats {
  eventId: string;
  at: string;
  viewersNow: number;
  peakViewers: number;
  peakAt: string | null;
  /** Distinct codes that opened at least one session. */
  uniqueCodes: number;
  sessions: { total: number; active: number; watchSeconds: number; averageWatchSeconds: number };
  /** Bytes the edges reported sending for this event; null when none has reported any. */
  bytesDelivered: number | null;
  series: { resolution: Resolution; from: string; to: string; points: ViewerPoint[] };
}

export interface StatsRange {
  from?: number;
  to?: number;
  resolution?: Resolution;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * An event's viewer analytics. Everything comes from the event's sessions, its samples and its
 * traffic row, each found through an index on the event: nothing scans the event's codes, so a
 * million-code event answers as fast as a small one.
 */
export async function viewerStats(db: Db, now: number, event: EventRow, range: StatsRange = {}): Promise<ViewerStats> {
  // One query at a time, with a turn of the event loop between: on SQLite every query runs
  // synchronously, so the longest stall is the longest single query, not their sum.
  const sessions = await sessionSummary(db, now, event.id);
  await nextTurn();
  const peak = await peakSample(db, event.id);
  const traffic = await db.selectFrom('event_traffic').select('bytes_delivered').where('event_id', '=', event.id).executeTakeFirst();
  const first = await firstSampleAt(db, event.id);
  await nextTurn();
  const to = range.to ?? now;
  const from = range.from ?? Math.min(first ?? now - HOUR_MS, event.starts_at ?? Infinity, to - HOUR_MS);
  if (from >= to) throw invalidInput('from: must be before to', 'invalid_request');
  const resolution = range.resolution ?? (to - from <= MINUTE_SERIES_MAX_MS ? 'minute' : 'hour');
  if (resolution === 'minute' && to - from > 31 * 24 * HOUR_MS) throw invalidInput('resolution: minute covers at most 31 days; ask for hour', 'invalid_request');
  const points = await series(db, event.id, from, to, resolution);
  const nowWins = sessions.active > (peak?.viewers ?? 0);
  return {
    eventId: event.id,
    at: iso(now),
    viewersNow: sessions.active,
    peakViewers: nowWins ? sessions.active : (peak?.viewers ?? 0),
    peakAt: nowWins ? iso(now) : peak ? iso(peak.at) : null,
    uniqueCodes: sessions.codes,
    sessions: {
      total: sessions.total,
      active: sessions.active,
      watchSeconds: Math.round(sessions.watchMs / 1000),
      averageWatchSeconds: sessions.total ? Math.round(sessions.watchMs / sessions.total / 1000) : 0,
    },
    bytesDelivered: traffic ? Number(traffic.bytes_delivered) : null,
    series: { resolution, from: iso(from), to: iso(to), points },
  };
}

/**
 * The event's sessions: distinct codes from the sessions_event_code index alone (a count(distinct)
 * beside the sums made SQLite sort every row), then counts and watch time in one pass.
 */
async function sessionSummary(db: Db, now: number, eventId: string) {
  const distinct = await db.selectFrom('sessions').select(sql<number>`count(distinct code_id)`.as('codes')).where('event_id', '=', eventId).executeTakeFirst();
  await nextTurn();
  const end = sql<number>`coalesce(ended_at, ${now})`;
  const graceEnd = sql<number>`last_seen_at + ${WATCH_GRACE_MS}`;
  const row = await db
    .selectFrom('sessions')
    .select((eb) => [
      eb.fn.countAll<number>().as('total'),
      eb.fn.sum<number>(eb.case().when(eb.and([eb('ended_at', 'is', null), eb('last_seen_at', '>=', now - SESSION_TIMEOUT_MS)])).then(1).else(0).end()).as('active'),
      eb.fn.sum<number>(sql`case when ${end} < ${graceEnd} then ${end} else ${graceEnd} end - started_at`).as('watch'),
    ])
    .where('event_id', '=', eventId)
    .executeTakeFirst();
  return { total: Number(row?.total ?? 0), codes: Number(distinct?.codes ?? 0), active: Number(row?.active ?? 0), watchMs: Math.max(0, Number(row?.watch ?? 0)) };
}

/** The highest sample, minutes and hours alike, and when (the earliest such period). */
async function peakSample(db: Db, eventId: string): Promise<{ viewers: number; at: number } | null> {
  const [minute, hour] = await Promise.all([
    db.selectFrom('viewer_minutes').select(['viewers', 'minute as at']).where('event_id', '=', eventId).orderBy('viewers', 'desc').orderBy('minute').limit(1).executeTakeFirst(),
    db.selectFrom('viewer_hours').select(['peak as viewers', 'hour as at']).where('event_id', '=', eventId).orderBy('peak', 'desc').orderBy('hour').limit(1).executeTakeFirst(),
  ]);
  const found = [minute, hour].filter((p) => p !== undefined).map((p) => ({ viewers: Number(p.viewers), at: Number(p.at) }));
  found.sort((a, b) => b.viewers - a.viewers || a.at - b.at);
  return found[0] ?? null;
}

async function firstSampleAt(db: Db, eventId: string): Promise<number | null> {
  const [minute, hour] = await Promise.all([
    db.selectFrom('viewer_minutes').select((eb) => eb.fn.min<number>('minute').as('at')).where('event_id', '=', eventId).executeTakeFirst(),
    db.selectFrom('viewer_hours').select((eb) => eb.fn.min<number>('hour').as('at')).where('event_id', '=', eventId).executeTakeFirst(),
  ]);
  const times = [minute?.at, hour?.at].filter((t) => t !== null && t !== undefined).map(Number);
  return times.length ? Math.min(...times) : null;
}

/** Minute rows are read a day at a time (at most 1,440 rows a query), with a turn of the loop between. */
const CHUNK_MS = 24 * HOUR_MS;

/**
 * Samples in [from, to], in time order. Per minute: the stored minutes (hours older than the
 * retention have none left, and are left out). Per hour: minutes grouped by hour here, and the
 * rolled-up hours; an hour partly rolled up merges both.
 */
async function series(db: Db, eventId: string, from: number, to: number, resolution: Resolution): Promise<ViewerPoint[]> {
  const start = resolution === 'minute' ? minuteOf(from) : hourOf(from);
  const byPeriod = new Map<number, { peak: number; total: number; n: number }>();
  const add = (period: number, peak: number, total: number, n: number) => {
    const seen = byPeriod.get(period);
    byPeriod.set(period, seen ? { peak: Math.max(seen.peak, peak), total: seen.total + total, n: seen.n + n } : { peak, total, n });
  };
  // Minutes exist for the last 7 days only: no empty days of queries for an event that began long ago.
  const firstMinute = await db.selectFrom('viewer_minutes').select((eb) => eb.fn.min<number>('minute').as('at')).where('event_id', '=', eventId).executeTakeFirst();
  const minutesFrom = firstMinute?.at === null || firstMinute?.at === undefined ? Infinity : Math.max(start, Number(firstMinute.at));
  for (let chunk = minutesFrom; chunk <= to; chunk += CHUNK_MS) {
    const inChunk = db
      .selectFrom('viewer_minutes')
      .where('event_id', '=', eventId)
      .where('minute', '>=', chunk)
      .where('minute', '<', Math.min(chunk + CHUNK_MS, to + 1));
    if (resolution === 'minute') {
      for (const r of await inChunk.select(['minute', 'viewers']).orderBy('minute').execute()) add(Number(r.minute), Number(r.viewers), Number(r.viewers), 1);
    } else {
      // Grouped by the database: 24 rows a day come back instead of 1,440.
      const hours = await inChunk
        .select((eb) => [
          eb(eb.ref('minute'), '-', eb(eb.ref('minute'), '%', HOUR_MS)).as('hour'),
          eb.fn.max<number>('viewers').as('peak'),
          eb.fn.sum<number>('viewers').as('total'),
          eb.fn.countAll<number>().as('n'),
        ])
        .groupBy('hour')
        .execute();
      for (const r of hours) add(Number(r.hour), Number(r.peak), Number(r.total), Number(r.n));
    }
    await nextTurn();
  }
  if (resolution === 'hour') {
    const hours = await db
      .selectFrom('viewer_hours')
      .select(['hour', 'peak', 'viewer_minutes', 'minutes'])
      .where('event_id', '=', eventId)
      .where('hour', '>=', start)
      .where('hour', '<=', to)
      .execute();
    for (const r of hours) add(Number(r.hour), Number(r.peak), Number(r.viewer_minutes), Number(r.minutes));
  }
  return [...byPeriod]
    .sort(([a], [b]) => a - b)
    .map(([at, p]) => ({ at: iso(at), viewers: p.peak, average: Math.round((p.total / Math.max(1, p.n)) * 10) / 10 }));
}

/** Lets other requests and timers run before the next query. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The series as CSV (`events stats --csv`): one line per period. No free text, so nothing to quote. */
export function viewerSeriesCsv(stats: ViewerStats): string {
  return ['at,viewers,average', ...stats.series.points.map((p) => `${p.at},${p.viewers},${p.average}`)].join('\n') + '\n';
}

