import type { Db } from '../db/database.js';
import type { EventRow } from '../db/schema.js';
import { appendRevocations } from '../revocation-feed.js';
import { raiseSessionsEnded } from '../webhooks/webhook-raisers.js';

/** Why an anonymous session ended when its event stopped being public. */
export const NOT_PUBLIC = 'not_public';

export function isPublic(event: Pick<EventRow, 'public_since'>): boolean {
  return event.public_since !== null;
}

/**
 * Inside the transaction that updates the event: the `public_since` it gets when `wantPublic` is
 * given, with what turning public on or off implies written beside it. Anonymous tokens carry the
 * `public_since` they were issued under (claim `pub`); turning public off appends one feed entry
 * ("anonymous tokens of this event with a `pub` at or before this time are refused") and ends the
 * open anonymous sessions, so every edge stops their viewers within a second. Turning it on again
 * starts after the last such entry, so new tokens play and old ones stay refused.
 */
export async function applyPublicChange(trx: Db, current: EventRow, wantPublic: boolean | undefined, now: number): Promise<number | null> {
  if (wantPublic === undefined || wantPublic === isPublic(current)) return current.public_since;
  if (wantPublic) {
    const last = await trx
      .selectFrom('revocations')
      .select((eb) => eb.fn.max('created_at').as('at'))
      .where('kind', '=', 'public_revoked')
      .where('event_id', '=', current.id)
      .executeTakeFirst();
    const lastRevokedAt = last?.at === null || last?.at === undefined ? -Infinity : Number(last.at);
    return Math.max(now, lastRevokedAt + 1);
  }
  const open = await trx.selectFrom('sessions').select(['id', 'event_id', 'code_id']).where('event_id', '=', current.id).where('code_id', 'is', null).where('ended_at', 'is', null).execute();
  for (let i = 0; i < open.length; i += 500) {
    await trx.updateTable('sessions').set({ ended_at: now, end_reason: NOT_PUBLIC }).where('id', 'in', open.slice(i, i + 500).map((s) => s.id)).execute();
  }
  await raiseSessionsEnded(trx, now, open, NOT_PUBLIC);
  // At or after the `pub` of every token issued, even with a clock stepped back since turning on.
  await appendRevocations(trx, Math.max(now, current.public_since!), [{ kind: 'public_revoked', eventId: current.id }]);
  return null;
}
