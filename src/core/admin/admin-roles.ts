import { invalidInput } from '../errors.js';

/**
 * What a console user may do (issue 20). `owner`: everything, users, API keys and the audit log
 * included. `operator`: events, codes, sessions and webhooks. `support`: reads, plus what helping a
 * viewer takes: looking a code up, revoking or restoring it, ending a session. An operator or a
 * support user may be limited to some events; they then see and touch only those.
 */
export const ROLES = ['owner', 'operator', 'support'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  /** Events, their codes' state, sessions, stats, health, a preview of the stream. */
  'events:read',
  /** Create, change, archive events; new codes; stream keys; branding; go live; reset a recording. */
  'events:write',
  /** Look a code up, revoke and restore codes, end sessions. */
  'codes:support',
  /** Webhooks and their delivery log (they cover every event). */
  'webhooks:manage',
  /** API keys. */
  'apikeys:manage',
  /** Console users and invites. */
  'users:manage',
  /** The audit log. */
  'audit:read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  owner: PERMISSIONS,
  operator: ['events:read', 'events:write', 'codes:support', 'webhooks:manage'],
  support: ['events:read', 'codes:support'],
};

export function roleAllows(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function checkRole(value: string, field = '--role'): Role {
  if (!isRole(value)) throw invalidInput(`${field}: one of ${ROLES.join(', ')} (got "${value}")`);
  return value;
}

/**
 * The events a user is limited to, or null for every event. An owner is never limited: it manages
 * users and keys, which span every event.
 */
export function checkEventLimit(role: Role, eventIds: readonly string[] | undefined | null, field = '--event'): string[] | null {
  const ids = [...new Set(eventIds ?? [])];
  if (ids.length === 0) return null;
  if (role === 'owner') throw invalidInput(`${field}: an owner manages every event; limit an operator or support user instead`);
  if (ids.length > 100) throw invalidInput(`${field}: at most 100 events`);
  return ids.sort();
}

/** The stored form of an event limit (a JSON array, or null) and back. */
export function encodeEventLimit(ids: readonly string[] | null): string | null {
  return ids === null ? null : JSON.stringify(ids);
}

export function decodeEventLimit(stored: string | null): string[] | null {
  if (stored === null) return null;
  const parsed: unknown = JSON.parse(stored);
  return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : [];
}
