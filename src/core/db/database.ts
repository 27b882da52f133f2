import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql, type Dialect } from 'kysely';
import type { Config } from '../config.js';
import { AppError, operationalFailure } from '../errors.js';
import { LATEST_MIGRATION, staticMigrationProvider } from './migrations.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

// The better-sqlite3 handle behind a Kysely instance (and behind the connection-bound instances
// that `writeTransaction` hands out), for the few hot paths that need prepared statements.
const sqliteHandles = new WeakMap<object, BetterSqlite3.Database>();

/** The raw SQLite connection behind `db`, or null on another dialect. */
export function sqliteHandle(db: Db): BetterSqlite3.Database | null {
  return sqliteHandles.get(db) ?? null;
}

/** How long a writer waits for another process's write lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 10_000;

/**
 * The one place that chooses the SQL dialect. SQLite is the appliance default; PostgreSQL
 * (DATABASE_URL=postgres://…) plugs in here for scale-out.
 */
function createDialect(databaseUrl: string): { dialect: Dialect; sqlite: BetterSqlite3.Database } {
  if (!databaseUrl.startsWith('sqlite:')) {
    throw new AppError(400, 'unsupported_database', 'DATABASE_URL: only sqlite: is supported in this release');
  }
  const file = databaseUrl.slice('sqlite:'.length);
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  sqlite.pragma('foreign_keys = ON');
  // WAL + NORMAL survives process crashes (kill -9) without losing committed transactions.
  sqlite.pragma('synchronous = NORMAL');
  // Code hashes are random, so their unique index is written all over; a 64 MiB page cache
  // (the default is 2 MiB) keeps a million-code batch from thrashing it.
  sqlite.pragma('cache_size = -65536');
  return { dialect: new SqliteDialect({ database: sqlite }), sqlite };
}

/**
 * Opens the database and brings its schema up to date. With `create: false` a missing SQLite
 * file is an error telling the operator to run `init`, rather than a silently empty database.
 */
export async function openDatabase(config: Config, { create = false } = {}): Promise<Db> {
  const file = config.databaseUrl.startsWith('sqlite:') ? config.databaseUrl.slice('sqlite:'.length) : null;
  if (file && !create && !fs.existsSync(file)) {
    throw new AppError(400, 'not_initialised', `${file} does not exist: run "streamgate init" first (or pass --data-dir)`);
  }
  if (file) fs.mkdirSync(path.dirname(file), { recursive: true });
  const { dialect, sqlite } = createDialect(config.databaseUrl);
  const db = new Kysely<Database>({ dialect });
  sqliteHandles.set(db, sqlite);
  try {
    await migrateToLatest(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

async function migrateToLatest(db: Db): Promise<void> {
  // Cheap check first: the CLI opens the database on every command, and the migrator's own
  // locking costs a write transaction each time.
  const applied = await sql<{ name: string }>`select name from kysely_migration order by name desc limit 1`
    .execute(db)
    .then((r) => r.rows[0]?.name)
    .catch(() => undefined);
  if (applied === LATEST_MIGRATION) return;
  const migrator = new Migrator({ db, provider: staticMigrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw operationalFailure(`database migration ${failed} failed: ${(error as Error).message ?? error}`, 'migration_failed');
  }
}

/**
 * Runs `fn` in a write transaction that takes the write lock up front (SQLite `BEGIN IMMEDIATE`).
 * Kysely's `transaction()` issues a deferred `BEGIN`: a read-then-write under contention then
 * fails with SQLITE_BUSY at once instead of waiting for the lock. Here the busy timeout applies.
 */
export async function writeTransaction<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  const handle = sqliteHandles.get(db);
  return db.connection().execute(async (conn) => {
    if (handle) sqliteHandles.set(conn, handle);
    await sql`begin immediate`.execute(conn);
    try {
      const result = await fn(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw error;
    }
  });
}
