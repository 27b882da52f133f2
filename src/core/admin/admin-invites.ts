import { createHash, randomBytes } from 'node:crypto';
import { actorName, recordAudit } from '../audit-log.js';
import type { Keyring } from '../secret-store.js';
import { writeTransaction, type Db } from '../db/database.js';
import { toIso } from '../duration.js';
import { AppError } from '../errors.js';
import { checkAccount, checkPassword, type AccountDeps, type NewAccount } from './admin-accounts.js';
import { decodeEventLimit, encodeEventLimit, isRole, type Role } from './admin-roles.js';
import { totpSealKey } from './derived-keys.js';
import { newTotpEnrolment, totpStep } from './admin-users.js';
import { hashPassword } from './password-hash.js';
import { seal } from './sealed-secret.js';

export const INVITE_TTL_MS = 24 * 3_600_000;

/** 256 random bits, base64url: what the link carries. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Where an invite is opened: the console, with the token in the URL's fragment. A browser never
 * sends a fragment to the server, so the token is in no request line, access log or Referer; the
 * console reads it from the page's address and posts it in a JSON body.
 */
export function inviteUrl(platformUrl: string, token: string): string {
  return `${platformUrl.replace(/\/$/, '')}/admin#/invite/${token}`;
}

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface InviteView {
  username: string;
  role: Role;
  events: string[] | null;
  expiresAt: string;
}

/**
 * A one-time link for a new console user, valid 24 h. The token is returned this once; the
 * database keeps its SHA-256 only (256 random bits need no slow hash). A user or a pending invite
 * of that name is a conflict.
 */
export async function createInvite(deps: AccountDeps, account: NewAccount): Promise<InviteView & { token: string }> {
  const { username, role, events } = await checkAccount(deps.db, account);
  const token = randomBytes(32).toString('base64url');
  const now = deps.clock();
  const expiresAt = now + INVITE_TTL_MS;
  await writeTransaction(deps.db, async (trx) => {
    const user = await trx.selectFrom('admin_users').select('username').where('username', '=', username).executeTakeFirst();
    if (user) throw new AppError(409, 'admin_exists', `console user "${username}" already exists`);
    const pending = await trx.selectFrom('admin_invites').select('id').where('username', '=', username).where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
    if (pending) throw new AppError(409, 'invite_pending', `an invite for "${username}" is pending until it is used or expires`);
    const id = randomBytes(12).toString('base64url');
    await trx.insertInto('admin_invites').values({ id, token_hash: tokenHash(token), username, role, event_ids: encodeEventLimit(events), created_by: actorName(deps.actor), created_at: now, expires_at: expiresAt, used_at: null }).execute();
    await recordAudit(trx, now, { actor: deps.actor, action: 'admin.invite', target: username, ip: deps.ip ?? null, details: { inviteId: id, role, events, expiresAt: toIso(expiresAt) } });
  });
  return { username, role, events, expiresAt: toIso(expiresAt)!, token };
}

/** One answer for a token that is malformed, unknown, used or expired: a link tells nothing more. */
function invalidInvite(): AppError {
  return new AppError(404, 'invite_invalid', 'This invite link is not valid: it was used already, has expired, or was mistyped. Ask for a new one.');
}

async function pendingInvite(db: Db, token: string, nowMs: number) {
  if (!TOKEN_PATTERN.test(token)) throw invalidInvite();
  const row = await db.selectFrom('admin_invites').selectAll().where('token_hash', '=', tokenHash(token)).executeTakeFirst();
  if (!row || row.used_at !== null || row.expires_at <= nowMs || !isRole(row.role)) throw invalidInvite();
  return { ...row, role: row.role };
}

/**
 * What an invite is for, and a fresh TOTP secret to enrol (the same enrolment as `admin 2fa
 * enable`). Nothing is stored: the secret comes back with the first code it produced.
 */
export async function openInvite(deps: Pick<AccountDeps, 'db' | 'clock'>, token: string): Promise<InviteView & { totp: { secret: string; uri: string } }> {
  const row = await pendingInvite(deps.db, token, deps.clock());
  return { username: row.username, role: row.role, events: decodeEventLimit(row.event_ids), expiresAt: toIso(row.expires_at)!, totp: newTotpEnrolment(row.username) };
}

export interface InviteAcceptance {
  token: string;
  password: string;
  totpSecret: string;
  totpCode: string;
}

/**
 * Makes the user: its password and, once a current code proves the app has it, its TOTP secret.
 * The invite is claimed by a conditional update in the same transaction: it works once, even
 * when two tabs race.
 */
export async function acceptInvite(deps: Omit<AccountDeps, 'actor'> & { keyring: Pick<Keyring, 'pepper'> }, input: InviteAcceptance): Promise<InviteView> {
  const now = deps.clock();
  const invite = await pendingInvite(deps.db, input.token, now);
  checkPassword(input.password);
  if (!/^[A-Z2-7]{16,128}=*$/.test(input.totpSecret)) throw new AppError(400, 'invalid_request', 'totpSecret: the secret the invite gave');
  const step = totpStep(invite.username, input.totpSecret, input.totpCode.replace(/\s/g, ''), now);
  if (step === null) throw new AppError(400, 'totp_invalid', 'That code does not match; check the time on your phone and try again.');
  const hash = await hashPassword(input.password);
  await writeTransaction(deps.db, async (trx) => {
    const claimed = await trx.updateTable('admin_invites').set({ used_at: now }).where('id', '=', invite.id).where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 0) throw invalidInvite();
    if (await trx.selectFrom('admin_users').select('username').where('username', '=', invite.username).executeTakeFirst()) {
      throw new AppError(409, 'admin_exists', `console user "${invite.username}" already exists`);
    }
    await trx
      .insertInto('admin_users')
      .values({
        username: invite.username,
        password_hash: hash,
        totp_secret: seal(totpSealKey(deps.keyring), input.totpSecret),
        // The code that proved the enrolment cannot log in a second time.
        totp_last_step: step,
        role: invite.role,
        event_ids: invite.event_ids,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await recordAudit(trx, now, { actor: { name: `admin:${invite.username}`, role: invite.role }, action: 'admin.invite_accept', target: invite.username, ip: deps.ip ?? null, details: { inviteId: invite.id } });
  });
  return { username: invite.username, role: invite.role, events: decodeEventLimit(invite.event_ids), expiresAt: toIso(invite.expires_at)! };
}

/** Invites not used yet and not expired, newest first (never their tokens, which are not kept). */
export async function listPendingInvites(db: Db, nowMs: number): Promise<(InviteView & { id: string; createdBy: string; createdAt: string })[]> {
  const rows = await db.selectFrom('admin_invites').selectAll().where('used_at', 'is', null).where('expires_at', '>', nowMs).orderBy('created_at', 'desc').execute();
  return rows.map((r) => ({
    id: r.id,
    username: r.username,
    role: isRole(r.role) ? r.role : 'support',
    events: decodeEventLimit(r.event_ids),
    createdBy: r.created_by,
    createdAt: toIso(r.created_at)!,
    expiresAt: toIso(r.expires_at)!,
  }));
}
