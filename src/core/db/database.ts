import fs from 'node:fs';
import path from 'node:path';
import { setTimeout } from 'node:timers/promises';
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

/** How long a writer waits for another process's write lock before giving up with SQLITE_BUSY. */
const LOCK_WAIT_MS = 10_000;
/** How often a waiting writer tries again: often enough to get in between a batch's transactions. */
const LOCK_POLL_MS = 2;

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
  // For statements outside writeTransaction (reads, migrations); writeTransaction waits its own way.
  sqlite.pragma(`busy_timeout = ${LOCK_WAIT_MS}`);
  sqlite.pragma('foreign_keys = ON');
  // WAL + NORMAL survives process crashes (kill -9) without losing committed transactions.
  sqlite.pragma('synchronous = NORMAL');
  // Code hashes are random, so their unique index is written all over; a 64 MiB page cache
  // (the default is 2 MiB) keeps a million-code batch from thrashing it.
  sqlite.pragma('cache_size = -65536');
  return { dialect: new SqliteDialect({ database: withStatementCache(sqlite) }), sqlite };
}

/**
 * Kysely's SQLite driver prepares every statement on every execution; under load that was the
 * largest single cost of a code validation. Statements are reusable, so keep the recent ones.
 */
function withStatementCache(sqlite: BetterSqlite3.Database, size = 256): BetterSqlite3.Database {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return new Proxy(sqlite, {
    get(target, property, receiver) {
      if (property !== 'prepare') return Reflect.get(target, property, receiver);
      return (source: string) => {
        let statement = cache.get(source);
        if (statement) {
          cache.delete(source); // re-insert: Map order is the LRU order
        } else {
          statement = target.prepare(source);
          if (cache.size >= size) cache.delete(cache.keys().next().value!);
        }
        cache.set(source, statement);
        return statement;
      };
    },
  });
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
 * fails with SQLITE_BUSY at once instead of waiting for the lock.
 *
 * The wait for the lock is ours, not SQLite's busy handler: that one sleeps synchronously
 * (blocking a server's event loop) in steps growing to 100 ms, so it rarely catches the short
 * gaps between another process's transactions and can starve for seconds. This loop tries every
 * 2 ms without blocking.
 */
export async function writeTransaction<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  const handle = sqliteHandles.get(db);
  return db.connection().execute(async (conn) => {
    if (handle) sqliteHandles.set(conn, handle);
    await beginImmediate(conn, handle);
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

async function beginImmediate(conn: Db, handle: BetterSqlite3.Database | undefined): Promise<void> {
  if (!handle) {
    await sql`begin`.execute(conn);
    return;
  }
  const deadline = Date.now() + LOCK_WAIT_MS;
  const { noWait, wait } = busyTimeoutStatements(handle);
  for (;;) {
    noWait.run();
    try {
      await sql`begin immediate`.execute(conn);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw error;
    } finally {
      wait.run();
    }
    await setTimeout(LOCK_POLL_MS);
  }
}

const busyTimeouts = new WeakMap<BetterSqlite3.Database, { noWait: BetterSqlite3.Statement; wait: BetterSqlite3.Statement }>();

// Prepared once per connection: `handle.pragma()` prepares anew on every call.
function busyTimeoutStatements(handle: BetterSqlite3.Database) {
  let statements = busyTimeouts.get(handle);
  if (!statements) {
    statements = { noWait: handle.prepare('pragma busy_timeout = 0'), wait: handle.prepare(`pragma busy_timeout = ${LOCK_WAIT_MS}`) };
    busyTimeouts.set(handle, statements);
  }
  return statements;
}
