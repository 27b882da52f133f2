import { recordAudit } from './audit-log.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { writeTransaction, type Db } from './db/database.js';
import { retiredKeyLifetimeSeconds } from './playback-token.js';
import { appendRevocations } from './revocation-feed.js';
import { listSigningKeys, revokeSigningKey, rotateSigningKey, type SigningKeyInfo } from './secret-store.js';

export interface SigningKeyDeps {
  config: Config;
  db: Db;
  clock: Clock;
  actor: string;
}

/**
 * `keys rotate`: a new current key in data/secret (services on this host follow within seconds);
 * the replaced keys are retired and verify only while a token they signed can be unexpired.
 */
export async function rotateKeys(deps: SigningKeyDeps): Promise<{ kid: string; retired: string[] }> {
  const now = deps.clock();
  const rotated = rotateSigningKey(deps.config, new Date(now));
  await writeTransaction(deps.db, async (trx) => {
    await trx.updateTable('signing_keys').set({ retired_at: now }).where('retired_at', 'is', null).execute();
    await trx.insertInto('signing_keys').values({ kid: rotated.kid, created_at: now, retired_at: null }).execute();
    await recordAudit(trx, now, { actor: deps.actor, action: 'key.rotate', target: rotated.kid, details: { retired: rotated.retired } });
  });
  return rotated;
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
