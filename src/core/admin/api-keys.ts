import { createHash, randomBytes } from 'node:crypto';
import { recordAudit, type AuditActor } from '../audit-log.js';
import type { Clock } from '../clock.js';
import { writeTransaction, type Db } from '../db/database.js';
import type { ApiKeyRow } from '../db/schema.js';
import { toIso } from '../duration.js';
import { AppError, invalidInput, isDatabaseBusy } from '../errors.js';
import { getEvent } from '../events/event-service.js';
import { timeOrderedId } from '../ids.js';
import { checkAllowList, isAddressAllowed } from './ip-allow-list.js';

export const API_KEY_PREFIX = 'sk_';
/** `lastUsedAt` is written at most this often per key: not one write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface ApiKeyDeps {
  db: Db;
  clock: Clock;
  actor: AuditActor;
  ip?: string | null;
}

export interface CreateApiKeyInput {
  name: string;
  scope: 'global' | 'event';
  eventId?: string | null;
  allowIps?: readonly string[];
}

/** SPEC §2 `apikeys list --json`, plus the allow-list. */
export interface ApiKeyView {
  id: string;
  name: string;
  scope: 'global' | 'event';
  eventId: string | null;
  allowIps: string[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Who is calling with a key that passed every check. */
export interface ApiKeyPrincipal {
  id: string;
  scope: 'global' | 'event';
  eventId: string | null;
}

function hashKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

export function toApiKeyView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    eventId: row.event_id,
    allowIps: JSON.parse(row.allow_ips) as string[],
    createdAt: toIso(row.created_at)!,
    lastUsedAt: toIso(row.last_used_at),
    revokedAt: toIso(row.revoked_at),
  };
}

/**
 * A new key: `sk_` + 32 random bytes in base64url. Only its SHA-256 is stored (a key has 256
 * random bits, so a fast hash is enough; nothing to brute-force); the key itself is returned once.
 */
export async function createApiKey(deps: ApiKeyDeps, input: CreateApiKeyInput): Promise<{ view: ApiKeyView; key: string }> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > 100) throw invalidInput('--name: 1 to 100 characters');
  if (input.scope !== 'global' && input.scope !== 'event') throw invalidInput('--scope: global or event');
  if (input.scope === 'event' && !input.eventId) throw invalidInput('--event: required with --scope event');
  if (input.scope === 'global' && input.eventId) throw invalidInput('--event: only with --scope event');
  const allowIps = checkAllowList(input.allowIps ?? []);
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  const now = deps.clock();
  const row: ApiKeyRow = {
    id: timeOrderedId(now),
    name,
    key_hash: hashKey(key),
    scope: input.scope,
    event_id: input.eventId ?? null,
    allow_ips: JSON.stringify(allowIps),
    created_at: now,
    last_used_at: null,
    revoked_at: null,
  };
  await writeTransaction(deps.db, async (trx) => {
    if (row.event_id) await getEvent(trx, row.event_id);
    await trx.insertInto('api_keys').values(row).execute();
    await recordAudit(trx, now, { actor: deps.actor, action: 'apikey.create', target: row.id, ip: deps.ip ?? null, details: { name, scope: row.scope, eventId: row.event_id, allowIps } });
  });
  return { view: toApiKeyView(row), key };
}

export async function listApiKeys(db: Db): Promise<ApiKeyView[]> {
  const rows = await db.selectFrom('api_keys').selectAll().orderBy('created_at', 'desc').execute();
  return rows.map(toApiKeyView);
}

/** Revoked keys fail at the next request: every request looks the key up. Idempotent. */
export async function revokeApiKey(deps: ApiKeyDeps, id: string): Promise<ApiKeyView> {
  const now = deps.clock();
  return writeTransaction(deps.db, async (trx) => {
    const row = await trx.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new AppError(404, 'api_key_not_found', `API key "${id}" does not exist (see "streamgate apikeys list")`);
    if (row.revoked_at !== null) return toApiKeyView(row);
    await trx.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', id).execute();
    await recordAudit(trx, now, { actor: deps.actor, action: 'apikey.revoke', target: id, ip: deps.ip ?? null });
    return toApiKeyView({ ...row, revoked_at: now });
  });
}

/**
 * The key's principal, or 401 (unknown or revoked: the same answer, so a caller learns nothing)
 * or 403 (a valid key used from an address its allow-list does not hold).
 */
export async function authenticateApiKey(db: Db, clock: Clock, key: string, clientIp: string | undefined): Promise<ApiKeyPrincipal> {
  const row = key.startsWith(API_KEY_PREFIX) && key.length < 200
    ? await db.selectFrom('api_keys').selectAll().where('key_hash', '=', hashKey(key)).executeTakeFirst()
    : undefined;
  if (!row || row.revoked_at !== null) throw new AppError(401, 'unauthorized', 'The API key is not valid.');
  if (!isAddressAllowed(JSON.parse(row.allow_ips) as string[], clientIp)) {
    throw new AppError(403, 'ip_not_allowed', 'This API key may not be used from this address.');
  }
  const now = clock();
  if (row.last_used_at === null || now - row.last_used_at >= LAST_USED_RESOLUTION_MS) {
    // Best effort: an admin read must not wait for (or fail on) another process's write lock.
    await writeTransaction(db, (trx) => trx.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', row.id).execute(), { lockWaitMs: 250 }).catch(
      (error: unknown) => {
        if (!isDatabaseBusy(error)) throw error;
      },
    );
  }
  return { id: row.id, scope: row.scope, eventId: row.event_id };
}
