import { recordAudit, type AuditActor } from '../audit-log.js';
import type { Clock } from '../clock.js';
import { writeTransaction, type Db } from '../db/database.js';
import { toIso } from '../duration.js';
import { AppError, invalidInput } from '../errors.js';
import { checkUsername } from './admin-users.js';
import { MIN_PASSWORD_LENGTH } from './admin-credentials.js';
import { checkEventLimit, decodeEventLimit, encodeEventLimit, isRole, type Role } from './admin-roles.js';
import { hashPassword } from './password-hash.js';

export interface AccountDeps {
  db: Db;
  clock: Clock;
  actor: AuditActor;
  ip?: string | null;
}

/** What a console user may do: its role, and the events it is limited to (null: every event). */
export interface AdminAccess {
  role: Role;
  events: string[] | null;
}

export interface AdminUserView extends AdminAccess {
  username: string;
  totp: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface NewAccount {
  username: string;
  role: Role;
  events?: readonly string[] | null;
}

/** The role a stored user acts with, or null when there is no such user (removed, or never made). */
export async function findAdminAccess(db: Db, username: string): Promise<AdminAccess | null> {
  const row = await db.selectFrom('admin_users').select(['role', 'event_ids']).where('username', '=', username).executeTakeFirst();
  if (!row) return null;
  // An unknown role (a newer version's, after a downgrade) grants nothing rather than everything.
  if (!isRole(row.role)) return { role: 'support', events: [] };
  return { role: row.role, events: decodeEventLimit(row.event_ids) };
}

export function checkPassword(password: string): string {
  if (password.length < MIN_PASSWORD_LENGTH) throw invalidInput(`password: at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > 1024) throw invalidInput('password: at most 1024 characters');
  return password;
}

/** Checks a new user's name, role and events: the events must exist. */
export async function checkAccount(db: Db, account: NewAccount): Promise<{ username: string; role: Role; events: string[] | null }> {
  const username = checkUsername(account.username);
  const events = checkEventLimit(account.role, account.events);
  if (events) {
    const known = await db.selectFrom('events').select('id').where('id', 'in', events).execute();
    const missing = events.filter((id) => !known.some((k) => k.id === id));
    if (missing.length) throw invalidInput(`--event: no event "${missing[0]}" (see "streamgate events list")`, 'event_not_found');
  }
  return { username, role: account.role, events };
}

function conflict(username: string): AppError {
  return new AppError(409, 'admin_exists', `console user "${username}" already exists (change it with "streamgate admin users set-role")`);
}

/** A new console user with a password (2FA can follow with `admin 2fa enable`). */
export async function addAdminUser(deps: AccountDeps, account: NewAccount, password: string): Promise<AdminUserView> {
  const { username, role, events } = await checkAccount(deps.db, account);
  const hash = await hashPassword(checkPassword(password));
  const now = deps.clock();
  await writeTransaction(deps.db, async (trx) => {
    if (await trx.selectFrom('admin_users').select('username').where('username', '=', username).executeTakeFirst()) throw conflict(username);
    await trx.insertInto('admin_users').values({ username, password_hash: hash, totp_secret: null, totp_last_step: null, role, event_ids: encodeEventLimit(events), created_at: now, updated_at: now }).execute();
    await recordAudit(trx, now, { actor: deps.actor, action: 'admin.create', target: username, ip: deps.ip ?? null, details: { role, events } });
  });
  return { username, role, events, totp: false, createdAt: toIso(now)!, updatedAt: toIso(now)! };
}

export async function listAdminUsers(db: Db): Promise<AdminUserView[]> {
  const rows = await db.selectFrom('admin_users').selectAll().orderBy('username').execute();
  return rows.map((r) => ({
    username: r.username,
    role: isRole(r.role) ? r.role : 'support',
    events: decodeEventLimit(r.event_ids),
    totp: r.totp_secret !== null,
    createdAt: toIso(r.created_at)!,
    updatedAt: toIso(r.updated_at)!,
  }));
}

/** 409 when the change would leave no owner in the database: someone must be able to manage users. */
async function keepAnOwner(trx: Db, username: string): Promise<void> {
  const others = await trx.selectFrom('admin_users').select('username').where('role', '=', 'owner').where('username', '<>', username).limit(1).execute();
  if (others.length === 0) throw new AppError(409, 'last_owner', `"${username}" is the last owner: make another user an owner first`);
}

function notFound(username: string): AppError {
  return new AppError(404, 'admin_not_found', `no console user "${username}" (see "streamgate admin users list")`);
}

/** Changes a user's role and events; its open sessions end, so the change applies at once. */
export async function setAdminRole(deps: AccountDeps, username: string, role: Role, eventIds?: readonly string[] | null): Promise<AdminUserView> {
  const checked = await checkAccount(deps.db, { username, role, events: eventIds });
  const now = deps.clock();
  await writeTransaction(deps.db, async (trx) => {
    const row = await trx.selectFrom('admin_users').select(['role', 'event_ids']).where('username', '=', username).executeTakeFirst();
    if (!row) throw notFound(username);
    if (row.role === 'owner' && role !== 'owner') await keepAnOwner(trx, username);
    await trx.updateTable('admin_users').set({ role, event_ids: encodeEventLimit(checked.events), updated_at: now }).where('username', '=', username).execute();
    await trx.updateTable('admin_sessions').set({ ended_at: now }).where('username', '=', username).where('ended_at', 'is', null).execute();
    await recordAudit(trx, now, { actor: deps.actor, action: 'admin.set_role', target: username, ip: deps.ip ?? null, details: { from: row.role, role, events: checked.events } });
  });
  const view = (await listAdminUsers(deps.db)).find((u) => u.username === username);
  if (!view) throw notFound(username);
  return view;
}

/** Removes a user and ends its sessions; its pending invites stay as they are (they name no user yet). */
export async function removeAdminUser(deps: AccountDeps, username: string): Promise<{ username: string; removed: true }> {
  const now = deps.clock();
  await writeTransaction(deps.db, async (trx) => {
    const row = await trx.selectFrom('admin_users').select('role').where('username', '=', username).executeTakeFirst();
    if (!row) throw notFound(username);
    if (row.role === 'owner') await keepAnOwner(trx, username);
    await trx.deleteFrom('admin_users').where('username', '=', username).execute();
    await trx.updateTable('admin_sessions').set({ ended_at: now }).where('username', '=', username).where('ended_at', 'is', null).execute();
    await recordAudit(trx, now, { actor: deps.actor, action: 'admin.remove', target: username, ip: deps.ip ?? null, details: { role: row.role } });
  });
  return { username, removed: true };
}
