import type { Db } from '../db/database.js';
import type { AccessCodeRow, EventRow } from '../db/schema.js';
import { toIso } from '../duration.js';
import { hasSubscribers, raiseWebhookEvents, type Subscriber } from './webhook-outbox.js';

/**
 * The events as the write paths raise them, one call each inside their transaction. The data
 * names things by id (as `tokens list` and the admin API do) and never holds a code or a token.
 */

/**
 * A session was opened for a code; `firstUse` when it is the code's first (code.redeemed).
 * `subscribed`: the webhooks if the opening's write read them already in this transaction.
 */
export function raiseSessionStarted(
  trx: Db,
  now: number,
  code: Pick<AccessCodeRow, 'id' | 'event_id' | 'label'>,
  sessionId: string,
  firstUse: boolean,
  subscribed?: readonly Subscriber[],
): Promise<void> {
  const data = { eventId: code.event_id, codeId: code.id, label: code.label, sessionId, at: toIso(now) };
  return raiseWebhookEvents(trx, now, [
    ...(firstUse ? [{ type: 'code.redeemed' as const, data }] : []),
    { type: 'session.started' as const, data },
  ], subscribed);
}

/** An anonymous viewer of a public event opened a session: no code, so `codeId` and `label` are null. */
export function raiseAnonymousSessionStarted(trx: Db, now: number, eventId: string, sessionId: string): Promise<void> {
  return raiseWebhookEvents(trx, now, [{ type: 'session.started' as const, data: { eventId, codeId: null, label: null, sessionId, at: toIso(now) } }]);
}

/** Sessions ended (released, timed out, taken over, ended by an operator, code expired). */
export function raiseSessionsEnded(trx: Db, now: number, sessions: readonly { id: string; event_id: string; code_id?: string | null }[], reason: string): Promise<void> {
  return raiseWebhookEvents(trx, now, sessions.map((s) => ({ type: 'session.ended' as const, data: { eventId: s.event_id, codeId: s.code_id ?? null, sessionId: s.id, reason, at: toIso(now) } })));
}

/**
 * Codes were revoked; call before their open sessions are ended, which this reads (only when a
 * webhook receives session.ended) to raise those too.
 */
export async function raiseCodesRevoked(trx: Db, now: number, codes: readonly { id: string; event_id: string }[], reason: string | null): Promise<void> {
  const revoked = codes.map((c) => ({ type: 'code.revoked' as const, data: { eventId: c.event_id, codeId: c.id, reason, at: toIso(now) } }));
  await raiseWebhookEvents(trx, now, revoked);
  if (codes.length === 0 || !(await hasSubscribers(trx, 'session.ended'))) return;
  const open = await trx.selectFrom('sessions').select(['id', 'event_id', 'code_id']).where('code_id', 'in', codes.map((c) => c.id)).where('ended_at', 'is', null).execute();
  await raiseSessionsEnded(trx, now, open, 'code_revoked');
}

/** The event went live or ended (the ingest, or anyone moving its status). */
export function raiseEventStatus(trx: Db, now: number, type: 'event.live' | 'event.ended', event: Pick<EventRow, 'id' | 'title' | 'starts_at' | 'ends_at'>): Promise<void> {
  const data = { eventId: event.id, title: event.title, status: type === 'event.live' ? 'live' : 'ended', startsAt: toIso(event.starts_at), endsAt: toIso(event.ends_at), at: toIso(now) };
  return raiseWebhookEvents(trx, now, [{ type, data }]);
}
