import { randomBytes } from 'node:crypto';
import { recordAudit } from '../audit-log.js';
import type { Clock } from '../clock.js';
import { writeTransaction, type Db } from '../db/database.js';
import { AppError } from '../errors.js';
import { signToken, verifyToken } from '../playback-token.js';
import type { Keyring } from '../secret-store.js';
import { ADMIN_KID, adminSessionKey } from './derived-keys.js';

export const ADMIN_AUDIENCE = 'streamgate:admin';
export const ADMIN_SESSION_SECONDS = 12 * 3_600;

export interface AdminSessionDeps {
  db: Db;
  clock: Clock;
  keyring: Pick<Keyring, 'pepper'>;
}

export interface AdminSession {
  id: string;
  username: string;
  /** Sent back in X-CSRF-Token on every mutation made with the cookie. */
  csrfToken: string;
  /** Logged in with the environment's ADMIN_USER/ADMIN_PASS: an owner whatever the database says. */
  breakGlass: boolean;
}

/**
 * A console login: a JWT for the cookie (audience streamgate:admin, signed with a key derived from
 * the pepper, not the playback key) naming a row that logout and password changes end.
 */
export async function createAdminSession(deps: AdminSessionDeps, username: string, ip: string | null, breakGlass = false): Promise<AdminSession & { token: string; expiresAt: number }> {
  const now = deps.clock();
  const id = randomBytes(16).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const { token, expiresAt } = signToken(adminSessionKey(deps.keyring), ADMIN_AUDIENCE, { sub: username, jti: id, csrf: csrfToken, ...(breakGlass ? { bg: true } : {}) }, now, ADMIN_SESSION_SECONDS);
  await writeTransaction(deps.db, async (trx) => {
    await trx.insertInto('admin_sessions').values({ id, username, ip, created_at: now, expires_at: expiresAt, ended_at: null }).execute();
    const role = breakGlass ? 'owner' : ((await trx.selectFrom('admin_users').select('role').where('username', '=', username).executeTakeFirst())?.role ?? 'owner');
    await recordAudit(trx, now, { actor: { name: `admin:${username}`, role }, action: 'admin.login', target: username, ip, details: breakGlass ? { breakGlass } : undefined });
  });
  return { id, username, csrfToken, breakGlass, token, expiresAt };
}

/**
 * A refused console login, for the audit log beside the logins: the name tried, why, and from
 * where. The failure limiter (10 per address per 15 minutes) bounds how many one address adds.
 */
export async function recordRefusedLogin(deps: Pick<AdminSessionDeps, 'db' | 'clock'>, username: string, reason: string, ip: string | null): Promise<void> {
  const now = deps.clock();
  await writeTransaction(deps.db, (trx) => recordAudit(trx, now, { actor: 'anonymous', action: 'admin.login_refused', target: username, ip, details: { reason } }));
}

/** The session behind a cookie, or 401: bad signature, other audience, expired, or ended. */
export async function verifyAdminSession(deps: AdminSessionDeps, token: string): Promise<AdminSession> {
  const unauthorized = new AppError(401, 'unauthorized', 'Please log in.');
  let claims: Record<string, unknown>;
  try {
    const key = adminSessionKey(deps.keyring);
    claims = verifyToken(token, { byKid: new Map([[ADMIN_KID, key]]) }, { audience: ADMIN_AUDIENCE, nowMs: deps.clock(), maxTtlSeconds: ADMIN_SESSION_SECONDS });
  } catch {
    throw unauthorized;
  }
  const { sub, jti, csrf, bg } = claims;
  if (typeof sub !== 'string' || typeof jti !== 'string' || typeof csrf !== 'string') throw unauthorized;
  const row = await deps.db.selectFrom('admin_sessions').select(['ended_at', 'expires_at']).where('id', '=', jti).executeTakeFirst();
  if (!row || row.ended_at !== null || row.expires_at <= deps.clock()) throw unauthorized;
  return { id: jti, username: sub, csrfToken: csrf, breakGlass: bg === true };
}

export async function endAdminSession(deps: AdminSessionDeps, session: AdminSession, ip: string | null): Promise<void> {
  const now = deps.clock();
  await writeTransaction(deps.db, async (trx) => {
    await trx.updateTable('admin_sessions').set({ ended_at: now }).where('id', '=', session.id).where('ended_at', 'is', null).execute();
    await recordAudit(trx, now, { actor: `admin:${session.username}`, action: 'admin.logout', target: session.username, ip });
  });
}
