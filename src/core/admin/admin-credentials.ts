import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * What a console user name and password must look like: for `admin set-password` and for the
 * break-glass ADMIN_USER/ADMIN_PASS alike; and how a presented secret is compared. Kept apart
 * from admin-users.ts so that loading the config does not load the TOTP library.
 */
export const ADMIN_USERNAME_PATTERN = /^[A-Za-z0-9_.@-]{1,64}$/;
export const ADMIN_USERNAME_RULE = '1 to 64 letters, digits or _.@-';
export const MIN_PASSWORD_LENGTH = 12;

/** Compares two secrets (passwords, CSRF tokens) in time that says nothing about either. */
export function sameSecret(a: string, b: string): boolean {
  // Hashing first gives equal lengths, which timingSafeEqual needs, without revealing them.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
