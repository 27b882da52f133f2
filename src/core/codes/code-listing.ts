import type { Db } from '../db/database.js';
import type { AccessCodeRow } from '../db/schema.js';
import { toIso } from '../duration.js';
import { codeCounts } from './code-counts.js';
import { codeStatus, whereCodeStatus, type CodeStatus } from './code-status.js';

/** A code as listed (SPEC §2): everything but the plaintext, which nobody has any more. */
export interface CodeView {
  id: string;
  eventId: string;
  status: CodeStatus;
  label: string | null;
  expiresAt: string;
  createdAt: string;
  firstUsedAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CodeFilter {
  eventId: string;
  status?: CodeStatus;
  label?: string | null;
  /** At most this many codes, in id order. */
  limit?: number;
  /** Keyset paging (the API, the console): codes with ids after this one. Costs the same on every page. */
  afterId?: string;
  /** Offset paging (the CLI): skip this many. Costs grow with the offset. */
  offset?: number;
}

/**
 * An event's codes in id order, filtered by status and label. Every filter is served by an index
 * (migration 0009: the event's codes in id order, and its revoked and its used codes apart), so a
 * page costs about the same on an event of 1,000 codes as on one of 1,000,000. Active and expired
 * codes have no index of their own (expiry is a matter of time); the counters say when there are
 * none, so a filter with nothing to find does not read the whole event to find that out.
 */
export async function listCodes(db: Db, nowMs: number, filter: CodeFilter): Promise<CodeView[]> {
  if (filter.status === 'active' || filter.status === 'expired') {
    const counts = (await codeCounts(db, nowMs, [filter.eventId])).get(filter.eventId)!;
    if (counts[filter.status] === 0) return [];
  }
  let query = db.selectFrom('codes').selectAll().where('event_id', '=', filter.eventId);
  if (filter.status) query = query.where(whereCodeStatus(filter.status, nowMs));
  if (filter.label) query = query.where('label', '=', filter.label);
  if (filter.afterId) query = query.where('id', '>', filter.afterId);
  // SQLite takes an offset only after a limit.
  if (filter.limit !== undefined || filter.offset) query = query.limit(filter.limit ?? Number.MAX_SAFE_INTEGER);
  if (filter.offset) query = query.offset(filter.offset);
  const rows = await query.orderBy('id').execute();
  return rows.map((row) => toCodeView(row, nowMs));
}

export function toCodeView(row: AccessCodeRow, nowMs: number): CodeView {
  return {
    id: row.id,
    eventId: row.event_id,
    status: codeStatus(row, nowMs),
    label: row.label,
    expiresAt: toIso(row.expires_at)!,
    createdAt: toIso(row.created_at)!,
    firstUsedAt: toIso(row.first_used_at),
    lastUsedAt: toIso(row.last_used_at),
    revokedAt: toIso(row.revoked_at),
  };
}

/** How many codes (of that event, with that label) are in one of `statuses`: what a change would touch. */
export async function countCodes(db: Db, nowMs: number, filter: { eventId?: string; label?: string; statuses: readonly CodeStatus[] }): Promise<number> {
  if (filter.eventId && !filter.label) {
    const counts = (await codeCounts(db, nowMs, [filter.eventId])).get(filter.eventId)!;
    return filter.statuses.reduce((sum, status) => sum + counts[status], 0);
  }
  let query = db
    .selectFrom('codes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => eb.or(filter.statuses.map((status) => whereCodeStatus(status, nowMs)(eb))));
  if (filter.eventId) query = query.where('event_id', '=', filter.eventId);
  if (filter.label) query = query.where('label', '=', filter.label);
  return Number((await query.executeTakeFirstOrThrow()).n);
}
