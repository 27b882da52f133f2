import { Secret, TOTP } from 'otpauth';
import { recordAudit, type AuditActor } from '../audit-log.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { writeTransaction, type Db } from '../db/database.js';
import { AppError, invalidInput } from '../errors.js';
import type { Keyring } from '../secret-store.js';
import { ADMIN_USERNAME_PATTERN, ADMIN_USERNAME_RULE, MIN_PASSWORD_LENGTH, sameSecret } from './admin-credentials.js';
import { totpSealKey } from './derived-keys.js';
import { hashPassword, verifyPassword } from './password-hash.js';
import { seal, unseal } from './sealed-secret.js';

export interface AdminDeps {
  db: Db;
  clock: Clock;
  keyring: Pick<Keyring, 'pepper'>;
  actor: AuditActor;
  ip?: string | null;
}

export function checkUsername(username: string): string {
  if (!ADMIN_USERNAME_PATTERN.test(username)) throw invalidInput(`--user: ${ADMIN_USERNAME_RULE}`);
  return username;
}

/** Creates the console user or changes its password; either way its open sessions end. */
export async function setAdminPassword(deps: AdminDeps, username: string, password: string): Promise<void> {
  checkUsername(username);
  if (password.length < MIN_PASSWORD_LENGTH) throw invalidInput(`password: at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > 1024) throw invalidInput('password: at most 1024 characters');
  const hash = await hashPassword(password);
  const now = deps.clock();
  await writeTransaction(deps.db, async (trx) => {
    const existing = await trx.selectFrom('admin_users').select('username').where('username', '=', username).executeTakeFirst();
    if (existing) await trx.updateTable('admin_users').set({ password_hash: hash, updated_at: now }).where('username', '=', username).execute();
    // A user made this way is an owner: it is how the first console user is made.
    else await trx.insertInto('admin_users').values({ username, password_hash: hash, totp_secret: null, totp_last_step: null, role: 'owner', event_ids: null, created_at: now, updated_at: now }).execute();
    await trx.updateTable('admin_sessions').set({ ended_at: now }).where('username', '=', username).where('ended_at', 'is', null).execute();
    await recordAudit(trx, now, { actor: deps.actor, action: existing ? 'admin.password_change' : 'admin.create', target: username, ip: deps.ip ?? null });
  });
}

function totpFor(username: string, base32: string): TOTP {
  return new TOTP({ issuer: 'StreamGate', label: username, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(base32) });
}

/** A fresh secret and its otpauth:// URI for an authenticator app; nothing is stored yet. */
export function newTotpEnrolment(username: string): { secret: string; uri: string } {
  const secret = new Secret({ size: 20 }).base32;
  return { secret, uri: totpFor(username, secret).toString() };
}

const TOTP_PERIOD_MS = 30_000;

/** The 30 s step `code` belongs to, if it is the current code for `secret` (±1 step), else null. */
export function totpStep(username: string, secret: string, code: string, nowMs: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpFor(username, secret).validate({ token: code, timestamp: nowMs, window: 1 });
  return delta === null ? null : Math.floor(nowMs / TOTP_PERIOD_MS) + delta;
}

/** Turns 2FA on once the user proved their app has the secret by typing a current code. */
export async function enableTotp(deps: AdminDeps, username: string, secret: string, code: string): Promise<void> {
  const now = deps.clock();
  const step = totpStep(username, secret, code, now);
  if (step === null) throw new AppError(400, 'totp_invalid', 'That code does not match; check the time on your phone and try again.');
  await writeTransaction(deps.db, async (trx) => {
    await requireUser(trx, username);
    await trx.updateTable('admin_users').set({ totp_secret: seal(totpSealKey(deps.keyring), secret), totp_last_step: null, updated_at: now }).where('username', '=', username).execute();
    await recordAudit(trx, now, { actor: deps.actor, action: 'admin.totp_enable', target: username, ip: deps.ip ?? null });
  });
}

export async function disableTotp(deps: AdminDeps, username: string): Promise<void> {
  const now = deps.clock();
  await writeTransaction(deps.db, async (trx) => {
    await requireUser(trx, username);
    await trx.updateTable('admin_users').set({ totp_secret: null, totp_last_step: null, updated_at: now }).where('username', '=', username).execute();
    await recordAudit(trx, now, { actor: deps.actor, action: 'admin.totp_disable', target: username, ip: deps.ip ?? null });
  });
}

export async function requireUser(db: Db, username: string): Promise<void> {
  const row = await db.selectFrom('admin_users').select('username').where('username', '=', username).executeTakeFirst();
  if (!row) throw new AppError(404, 'admin_not_found', `no console user "${username}" (create one with "streamgate admin set-password --user ${username}")`);
}

// Checked against when the user does not exist, so "no such user" takes as long as "wrong password".
let dummyHash: Promise<string> | undefined;

export interface LoginInput {
  username: string;
  password: string;
  totp?: string;
}

export interface LoginResult {
  username: string;
  /** The environment's ADMIN_USER: always an owner, whatever the database says. */
  breakGlass: boolean;
}

/**
 * The user if the credentials hold, else 401 `invalid_credentials`, `totp_required` (the
 * password was right and a code is needed) or `totp_invalid`. The environment's break-glass
 * login (ADMIN_USER/ADMIN_PASS) is compared in constant time and has no second factor: it is for
 * when the database or the phone is lost. A TOTP code works once: replaying it, even within its
 * 90 s window, is `totp_invalid`.
 */
export async function checkAdminLogin(
  deps: { db: Db; clock: Clock; keyring: Pick<Keyring, 'pepper'>; config: Pick<Config, 'adminUser' | 'adminPass'> },
  input: LoginInput,
): Promise<LoginResult> {
  const { db, keyring, config } = deps;
  const invalid = () => new AppError(401, 'invalid_credentials', 'Wrong username or password.');
  if (config.adminUser && config.adminPass) {
    const userMatches = sameSecret(input.username, config.adminUser);
    const passMatches = sameSecret(input.password, config.adminPass);
    if (userMatches && passMatches) return { username: config.adminUser, breakGlass: true };
  }
  const row = await db.selectFrom('admin_users').selectAll().where('username', '=', input.username).executeTakeFirst();
  if (!row) {
    await verifyPassword(input.password, await (dummyHash ??= hashPassword('streamgate-timing-equaliser')));
    throw invalid();
  }
  if (!(await verifyPassword(input.password, row.password_hash))) throw invalid();
  if (row.totp_secret) {
    if (!input.totp) throw new AppError(401, 'totp_required', 'Enter the 6-digit code from your authenticator app.');
    const invalidCode = new AppError(401, 'totp_invalid', 'That code is not right. Codes change every 30 seconds.');
    const now = deps.clock();
    const step = totpStep(row.username, unseal(totpSealKey(keyring), row.totp_secret), input.totp.replace(/\s/g, ''), now);
    if (step === null) throw invalidCode;
    // Claim the step in one conditional update: of two logins racing with the same code, one wins.
    const claimed = await writeTransaction(db, (trx) =>
      trx
        .updateTable('admin_users')
        .set({ totp_last_step: step })
        .where('username', '=', row.username)
        .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
        .executeTakeFirst(),
    );
    if (Number(claimed.numUpdatedRows) === 0) throw invalidCode;
  }
  return { username: row.username, breakGlass: false };
}
