import { sql, type Kysely } from 'kysely';

/**
 * The body of a write transaction already begun on `conn` (PostgreSQL's; SQLite's runs its own
 * prepared statements, sqlite-database.ts): runs `fn`, commits, or rolls back and rethrows what
 * `fn` threw (as `mapError` words it).
 */
export async function commitOrRollback<D, T>(conn: Kysely<D>, fn: (trx: Kysely<D>) => Promise<T>, mapError: (error: unknown) => unknown = (error) => error): Promise<T> {
  try {
    const result = await fn(conn);
    await sql`commit`.execute(conn);
    return result;
  } catch (error) {
    await sql`rollback`.execute(conn).catch(() => undefined);
    throw mapError(error);
  }
}
