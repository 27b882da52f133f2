import { invalidInput } from '../errors.js';
import type { DatabaseKind } from './migrations.js';

const POSTGRES = /^postgres(ql)?:\/\//;

/** Which backend a `DATABASE_URL`-style URL selects, or a usage error naming `what`. */
export function databaseUrlKind(url: string, what = 'DATABASE_URL'): DatabaseKind {
  if (url.startsWith('sqlite:') && url.length > 'sqlite:'.length) return 'sqlite';
  if (POSTGRES.test(url) && URL.canParse(url)) return 'postgres';
  throw invalidInput(`${what}: must be postgres://USER@HOST[:PORT]/DATABASE or sqlite:FILE`, 'invalid_database_url');
}

/**
 * Whether a PostgreSQL URL carries a password, in the user-info part or as a `password=` query
 * parameter (the pg driver reads both). Such a URL must not be typed on a command line, where
 * `ps` and the shell history show it to everyone on the host.
 */
export function hasPassword(url: string): boolean {
  if (!POSTGRES.test(url) || !URL.canParse(url)) return false;
  const parsed = new URL(url);
  return parsed.password !== '' || parsed.searchParams.has('password');
}

/**
 * A URL as it may be printed or logged: `postgres://user@host:port/db`, never a password nor the
 * query (which may hold one, or key file paths). SQLite URLs are a file name and shown as they are.
 */
export function redactDatabaseUrl(url: string): string {
  if (!POSTGRES.test(url) || !URL.canParse(url)) return url;
  const parsed = new URL(url);
  const user = parsed.username ? `${parsed.username}@` : '';
  return `${parsed.protocol}//${user}${parsed.host}${parsed.pathname}`;
}
