import type { Db } from '../db/database.js';
import { toIso } from '../duration.js';
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
  /** Paging for the API: at most `limit` codes with ids after `afterId`, in id order. */
  limit?: number;
  afterId?: string;
}

export async function listCodes(db: Db, nowMs: number, filter: CodeFilter): Promise<CodeView[]> {
  let query = db.selectFrom('codes').selectAll().where('event_id', '=', filter.eventId);
  if (filter.status) query = query.where(whereCodeStatus(filter.status, nowMs));
  if (filter.label) query = query.where('label', '=', filter.label);
  if (filter.afterId) query = query.where('id', '>', filter.afterId);
  if (filter.limit !== undefined) query = query.limit(filter.limit);
  const rows = await query.orderBy('id').execute();
  return rows.map((row) => ({
    id: row.id,
    eventId: row.event_id,
    status: codeStatus(row, nowMs),
    label: row.label,
    expiresAt: toIso(row.expires_at)!,
    createdAt: toIso(row.created_at)!,
    firstUsedAt: toIso(row.first_used_at),
    lastUsedAt: toIso(row.last_used_at),
    revokedAt: toIso(row.revoked_at),
  }));
}

/** How many codes (of that event, with that label) are in one of `statuses`: what a change would touch. */
export async function countCodes(db: Db, nowMs: number, filter: { eventId?: string; label?: string; statuses: readonly CodeStatus[] }): Promise<number> {
  let query = db
    .selectFrom('codes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => eb.or(filter.statuses.map((status) => whereCodeStatus(status, nowMs)(eb))));
  if (filter.eventId) query = query.where('event_id', '=', filter.eventId);
  if (filter.label) query = query.where('label', '=', filter.label);
  return Number((await query.executeTakeFirstOrThrow()).n);
}
