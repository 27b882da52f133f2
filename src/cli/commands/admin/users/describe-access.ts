import type { AdminAccess } from '../../../../core/admin/admin-accounts.js';

/** "operator of spring-conf, summit" or "owner": a role in words, for the terminal. */
export function describeAccess(access: AdminAccess): string {
  return access.events === null ? access.role : `${access.role} of ${access.events.join(', ') || 'no event'}`;
}
