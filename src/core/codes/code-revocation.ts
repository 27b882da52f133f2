import type { KeyObject } from 'node:crypto';
import type { SelectQueryBuilder } from 'kysely';
import type { Database } from '../db/schema.js';
import { recordAudit, type AuditActor } from '../audit-log.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { writeTransaction } from '../db/database.js';
import { invalidInput } from '../errors.js';
import { codeKey, hashesEqual, normaliseCode } from '../access-code.js';
import { appendRevocations } from '../revocation-feed.js';
import { raiseCodesRevoked } from '../webhooks/webhook-raisers.js';

export interface RevocationDeps {
  db: Db;
  clock: Clock;
  pepper: KeyObject;
  actor: AuditActor;
  ip?: string | null;
}

/** What to revoke; the parts narrow each other (codes of that event, with that label). */
export interface CodeSelector {
  codes?: string[];
  ids?: string[];
  eventId?: string;
  label?: string;
  /** The caller's events (an event-scoped key or console user): codes of others are not found. */
  onlyEventIds?: readonly string[] | null;
}

export interface RevocationResult {
  revoked: number;
  alreadyRevoked: number;
  /** The codes or ids given that match nothing, as given. */
  notFound: string[];
}

/** Revocations commit in chunks: each is idempotent, and the lock is never held for long. */
const CHUNK = 2_000;
const LOOKUP_CHUNK = 500;

/**
 * Revokes the selected codes, ends their sessions and tells the edges (one feed entry per code).
 * Idempotent: revoking a revoked code counts it as already revoked and changes nothing.
 */
export async function revokeCodes(deps: RevocationDeps, selector: CodeSelector, reason: string | null): Promise<RevocationResult> {
  const { ids, notFound } = await resolveSelector(deps, selector);
  let revoked = 0;
  let alreadyRevoked = 0;
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const counts = await writeTransaction(deps.db, (trx) => revokeChunk(trx, deps, chunk, reason, selector));
    revoked += counts.revoked;
    alreadyRevoked += counts.alreadyRevoked;
  }
  return { revoked, alreadyRevoked, notFound };
}

async function revokeChunk(trx: Db, deps: RevocationDeps, ids: string[], reason: string | null, selector: CodeSelector) {
  const now = deps.clock();
  const freshIds = await revokeCodeIds(trx, now, ids, reason);
  if (freshIds.length > 0) {
    await recordAudit(trx, now, {
      actor: deps.actor,
      action: 'codes.revoke',
      target: selector.eventId ?? null,
      ip: deps.ip ?? null,
      details: { count: freshIds.length, ids: freshIds.slice(0, 100), label: selector.label ?? null, reason },
    });
  }
  return { revoked: freshIds.length, alreadyRevoked: ids.length - freshIds.length };
}

/**
 * Inside the caller's transaction: revokes those of `ids` not yet revoked, ends their sessions
 * and appends one feed entry each for the edges. Returns the ids it revoked.
 */
export async function revokeCodeIds(trx: Db, now: number, ids: string[], reason: string | null): Promise<string[]> {
  const revoked: string[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const live = await trx
      .selectFrom('access_codes')
      .select(['id', 'event_id'])
      .where('id', 'in', ids.slice(i, i + CHUNK))
      .where('revoked_at', 'is', null)
      .execute();
    if (live.length === 0) continue;
    const liveIds = live.map((r) => r.id);
    await trx.updateTable('access_codes').set({ revoked_at: now, revoke_reason: reason }).where('id', 'in', liveIds).execute();
    await raiseCodesRevoked(trx, now, live, reason); // before their sessions end: it reads them
    await trx
      .updateTable('sessions')
      .set({ ended_at: now, end_reason: 'code_revoked' })
      .where('code_id', 'in', liveIds)
      .where('ended_at', 'is', null)
      .execute();
    await appendRevocations(trx, now, live.map((r) => ({ kind: 'code_revoked' as const, eventId: r.event_id, codeId: r.id })));
    revoked.push(...liveIds);
  }
  return revoked;
}

/** Turns codes, ids, event and label into code ids, remembering what matched nothing. */
async function resolveSelector(deps: RevocationDeps, selector: CodeSelector): Promise<{ ids: string[]; notFound: string[] }> {
  const hasList = (selector.codes?.length ?? 0) > 0 || (selector.ids?.length ?? 0) > 0;
  if (!hasList && !selector.eventId && !selector.label) {
    throw invalidInput('nothing selected: give codes, --file, -, --event or --label');
  }
  const notFound: string[] = [];
  const ids = new Set<string>();
  const narrow = <O>(query: SelectQueryBuilder<Database, 'codes', O>) => {
    if (selector.eventId) query = query.where('event_id', '=', selector.eventId);
    if (selector.onlyEventIds) query = query.where('event_id', 'in', selector.onlyEventIds);
    if (selector.label) query = query.where('label', '=', selector.label);
    return query;
  };

  if (selector.codes?.length) {
    const wanted = new Map<string, { given: string; hash: Buffer }>(); // code id → code as given
    for (const given of selector.codes) {
      const normalised = normaliseCode(given);
      if (normalised === null) notFound.push(given);
      else {
        const { id, hash } = codeKey(deps.pepper, normalised);
        wanted.set(id, { given, hash });
      }
    }
    const list = [...wanted.keys()];
    for (let i = 0; i < list.length; i += LOOKUP_CHUNK) {
      const rows = await narrow(deps.db.selectFrom('codes').select(['id', 'code_hash']).where('id', 'in', list.slice(i, i + LOOKUP_CHUNK))).execute();
      for (const row of rows) {
        if (!hashesEqual(row.code_hash, wanted.get(row.id)!.hash)) continue;
        ids.add(row.id);
        wanted.delete(row.id);
      }
    }
    notFound.push(...[...wanted.values()].map((w) => w.given));
  }

  if (selector.ids?.length) {
    const wanted = new Set(selector.ids);
    const list = [...wanted];
    for (let i = 0; i < list.length; i += LOOKUP_CHUNK) {
      const rows = await narrow(deps.db.selectFrom('codes').select('id').where('id', 'in', list.slice(i, i + LOOKUP_CHUNK))).execute();
      for (const row of rows) {
        ids.add(row.id);
        wanted.delete(row.id);
      }
    }
    notFound.push(...wanted);
  }

  if (!hasList) {
    const rows = await narrow(deps.db.selectFrom('codes').select('id')).execute();
    for (const row of rows) ids.add(row.id);
  }
  // Report in the order given, so the operator can match the list against theirs.
  const position = new Map([...(selector.codes ?? []), ...(selector.ids ?? [])].map((given, i) => [given, i]));
  notFound.sort((a, b) => position.get(a)! - position.get(b)!);
  return { ids: [...ids], notFound };
}

/**
 * Un-revokes codes by id and tells the edges (`code_restored`), so playback works again at once.
 * Codes that are not revoked are counted as such; unknown ids (and, with `onlyEventIds`, ids of
 * other events) are returned as not found.
 */
export async function restoreCodes(deps: Omit<RevocationDeps, 'pepper'>, ids: string[], onlyEventIds?: readonly string[] | null): Promise<{ restored: number; notRevoked: number; notFound: string[] }> {
  const wanted = [...new Set(ids)];
  let restored = 0;
  let notRevoked = 0;
  const found = new Set<string>();
  for (let i = 0; i < wanted.length; i += CHUNK) {
    const chunk = wanted.slice(i, i + CHUNK);
    await writeTransaction(deps.db, async (trx) => {
      const now = deps.clock();
      let query = trx.selectFrom('codes').select(['id', 'event_id', 'revoked_at']).where('id', 'in', chunk);
      if (onlyEventIds) query = query.where('event_id', 'in', onlyEventIds);
      const rows = await query.execute();
      rows.forEach((r) => found.add(r.id));
      const revoked = rows.filter((r) => r.revoked_at !== null);
      notRevoked += rows.length - revoked.length;
      if (revoked.length === 0) return;
      await trx.updateTable('access_codes').set({ revoked_at: null, revoke_reason: null }).where('id', 'in', revoked.map((r) => r.id)).execute();
      await appendRevocations(trx, now, revoked.map((r) => ({ kind: 'code_restored' as const, eventId: r.event_id, codeId: r.id })));
      await recordAudit(trx, now, { actor: deps.actor, action: 'codes.restore', target: null, ip: deps.ip ?? null, details: { count: revoked.length, ids: revoked.map((r) => r.id).slice(0, 100) } });
      restored += revoked.length;
    });
  }
  return { restored, notRevoked, notFound: wanted.filter((id) => !found.has(id)) };
}
