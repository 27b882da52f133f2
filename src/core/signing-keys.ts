import { recordAudit, type AuditActor } from './audit-log.js';
import { AppError } from './errors.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { writeTransaction, type Db } from './db/database.js';
import { retiredKeyLifetimeSeconds } from './playback-token.js';
import { appendRevocations } from './revocation-feed.js';
import { activateSigningKey, addSigningKey, listSigningKeys, revokeSigningKey, rotateSigningKey, type SigningKeyInfo } from './secret-store.js';

export interface SigningKeyDeps {
  config: Config;
  db: Db;
  clock: Clock;
  actor: AuditActor;
}

/**
 * `keys rotate`: a new current key in data/secret (services on this host follow within seconds);
 * the replaced keys are retired and verify only while a token they signed can be unexpired.
 */
export async function rotateKeys(deps: SigningKeyDeps): Promise<{ kid: string; retired: string[] }> {
  const now = deps.clock();
  const rotated = rotateSigningKey(deps.config, new Date(now));
  await writeTransaction(deps.db, async (trx) => {
    await recordActivation(trx, now, rotated.kid, 'insert');
    await recordAudit(trx, now, { actor: deps.actor, action: 'key.rotate', target: rotated.kid, details: { retired: rotated.retired } });
  });
  return rotated;
}

/**
 * `keys add`: a new key in data/secret that verifies and signs nothing yet. The operator copies
 * data/secret to every host, then runs `keys activate KID`.
 */
export async function addKey(deps: SigningKeyDeps): Promise<{ kid: string }> {
  const now = deps.clock();
  const added = addSigningKey(deps.config, new Date(now));
  await writeTransaction(deps.db, async (trx) => {
    await trx.insertInto('signing_keys').values({ kid: added.kid, created_at: now, retired_at: null, activated_at: null }).execute();
    await recordAudit(trx, now, { actor: deps.actor, action: 'key.add', target: added.kid });
  });
  return added;
}

/**
 * `keys activate KID`: records in the database that every platform replica signs with KID from
 * now on (each adopts it once its own data/secret holds it), and makes it current in this host's
 * data/secret. Idempotent.
 */
export async function activateKey(deps: SigningKeyDeps, kid: string): Promise<{ kid: string; retired: string[] }> {
  const now = deps.clock();
  const known = await deps.db.selectFrom('signing_keys').select('revoked_at').where('kid', '=', kid).executeTakeFirst();
  // Revoked on another host, whose data/secret this host may not have been given yet.
  if (known && known.revoked_at !== null) throw new AppError(400, 'key_revoked', `signing key ${kid} is revoked and can never sign again`);
  const activated = activateSigningKey(deps.config, kid, new Date(now));
  await writeTransaction(deps.db, async (trx) => {
    const row = await trx.selectFrom('signing_keys').select('kid').where('kid', '=', kid).executeTakeFirst();
    const current = await activeKid(trx);
    if (current === kid) return;
    await recordActivation(trx, now, kid, row ? 'update' : 'insert');
    await recordAudit(trx, now, { actor: deps.actor, action: 'key.activate', target: kid, details: { retired: activated.retired } });
  });
  return activated;
}

/** The replaced keys are retired, `kid` is the active one. */
async function recordActivation(trx: Db, now: number, kid: string, how: 'insert' | 'update'): Promise<void> {
  await trx.updateTable('signing_keys').set({ retired_at: now }).where('retired_at', 'is', null).where('activated_at', 'is not', null).where('kid', '!=', kid).execute();
  if (how === 'insert') await trx.insertInto('signing_keys').values({ kid, created_at: now, retired_at: null, activated_at: now }).execute();
  else await trx.updateTable('signing_keys').set({ activated_at: now, retired_at: null }).where('kid', '=', kid).execute();
}

/** The key every platform replica signs with, as `keys activate` recorded it; null if none is recorded. */
export async function activeKid(db: Db): Promise<string | null> {
  const row = await db
    .selectFrom('signing_keys')
    .select('kid')
    .where('activated_at', 'is not', null)
    .where('revoked_at', 'is', null)
    .orderBy('activated_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.kid ?? null;
}

/** What a platform replica's keyring follows (live-keyring.ts): the active key, and the revoked ones. */
export interface SharedKeyState {
  activeKid: string | null;
  revoked: ReadonlySet<string>;
}

export async function sharedKeyState(db: Db): Promise<SharedKeyState> {
  const rows = await db.selectFrom('signing_keys').select(['kid', 'activated_at', 'revoked_at']).execute();
  let active: { kid: string; at: number } | null = null;
  const revoked = new Set<string>();
  for (const row of rows) {
    if (row.revoked_at !== null) revoked.add(row.kid);
    else if (row.activated_at !== null && (!active || Number(row.activated_at) > active.at)) active = { kid: row.kid, at: Number(row.activated_at) };
  }
  return { activeKid: active?.kid ?? null, revoked };
}

/**
 * `keys revoke KID`, for a leaked key: it leaves data/secret (processes on this host stop
 * verifying with it within a second) and a `key_revoked` entry goes to the revocation feed,
 * which every edge applies within a second and never forgets. Idempotent: run again after a
 * failure, it finishes what is missing.
 */
export async function revokeKey(deps: SigningKeyDeps, kid: string): Promise<{ kid: string; alreadyRevoked: boolean }> {
  const now = deps.clock();
  const revokedNow = revokeSigningKey(deps.config, kid, new Date(now));
  await writeTransaction(deps.db, async (trx) => {
    const inFeed = await trx.selectFrom('revocations').select('cursor').where('kind', '=', 'key_revoked').where('kid', '=', kid).executeTakeFirst();
    if (inFeed) return;
    await appendRevocations(trx, now, [{ kind: 'key_revoked', eventId: '', kid }]);
    await trx.updateTable('signing_keys').set({ revoked_at: now }).where('kid', '=', kid).execute();
    await recordAudit(trx, now, { actor: deps.actor, action: 'key.revoke', target: kid });
  });
  return { kid, alreadyRevoked: !revokedNow };
}

/** Every signing key and its state, from data/secret (the database holds no key material). */
export function listKeys(config: Config): SigningKeyInfo[] {
  return listSigningKeys(config, retiredKeyLifetimeSeconds(config.tokenMaxTtlSeconds) * 1000);
}
