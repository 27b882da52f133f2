import fs from 'node:fs';
import path from 'node:path';
import { setTimeout } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, SqliteDriver, sql, type Driver, type SqliteDialectConfig } from 'kysely';
import type { Config } from '../config.js';
import { AppError, databaseBusy, operationalFailure } from '../errors.js';
import { loadKeyring, type Keyring } from '../secret-store.js';
import { LATEST_MIGRATION, migrationProvider, type MigrationContext } from './migrations.js';
import type { Database } from './schema.js';
import { WriterQueue } from './writer-queue.js';

export type Db = Kysely<Database>;

// The better-sqlite3 handle behind a Kysely instance (and behind the connection-bound instances
// that `writeTransaction` hands out), for the few hot paths that need prepared statements.
const sqliteHandles = new WeakMap<object, BetterSqlite3.Database>();

/** The raw SQLite connection behind `db`, or null on another dialect. */
export function sqliteHandle(db: Db): BetterSqlite3.Database | null {
  return sqliteHandles.get(db) ?? null;
}

/**
 * How long a write waits for another process's write lock before it answers `busy` (503). A
 * million-code batch holds the lock for at most ~50 ms at a time, so only a stuck or hostile
 * holder (an open `sqlite3` shell, a backup tool) makes a write wait this long.
 */
export const LOCK_WAIT_MS = 5_000;
/** How often a waiting writer tries again: often enough to get in between a batch's transactions. */
const LOCK_POLL_MS = 2;
/**
 * Reads in WAL mode never wait for a writer; SQLite answers SQLITE_BUSY to a reader only for the
 * instant another connection rebuilds the WAL index. better-sqlite3 sleeps synchronously on
 * busy, so this wait stops the whole event loop: keep it short.
 */
const READ_BUSY_MS = 100;

/** What `writeTransaction` needs of a database opened by `openDatabase`. */
interface Writer {
  db: Db;
  handle: BetterSqlite3.Database;
  queue: WriterQueue;
}

// A Db from openDatabase() reads on its own connection; its writes go to this one.
const writers = new WeakMap<object, Writer>();

/**
 * The one place that opens the SQL database. SQLite is the appliance default.
 *
 * Two connections to one file, so reads never queue behind a write waiting for the lock: the
 * `Db` that everyone holds reads (query_only: a write outside `writeTransaction` fails loudly
 * instead of waiting), and `writeTransaction` writes on the other one. WAL mode lets the reader
 * go on while any process holds the write lock.
 */
function openSqlite(databaseUrl: string): { db: Db; writer: Writer } {
  if (!databaseUrl.startsWith('sqlite:')) {
    throw new AppError(400, 'unsupported_database', 'DATABASE_URL: only sqlite: is supported in this release');
  }
  const file = databaseUrl.slice('sqlite:'.length);
  const writeHandle = new BetterSqlite3(file);
  writeHandle.pragma('journal_mode = WAL');
  // Only for migrations at start-up; `writeTransaction` then waits its own way (see there).
  writeHandle.pragma(`busy_timeout = ${LOCK_WAIT_MS}`);
  writeHandle.pragma('foreign_keys = ON');
  // WAL + NORMAL survives process crashes (kill -9) without losing committed transactions.
  writeHandle.pragma('synchronous = NORMAL');
  // Code hashes are random, so their unique index is written all over; a 64 MiB page cache
  // (the default is 2 MiB) keeps a million-code batch from thrashing it.
  writeHandle.pragma('cache_size = -65536');
  const writeDb = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(writeHandle) }) });
  sqliteHandles.set(writeDb, writeHandle);

  const readHandle = new BetterSqlite3(file);
  readHandle.pragma('query_only = ON');
  readHandle.pragma(`busy_timeout = ${READ_BUSY_MS}`);
  readHandle.pragma('cache_size = -65536');
  const db = new Kysely<Database>({ dialect: new ReaderDialect({ database: withStatementCache(readHandle) }, writeDb) });
  sqliteHandles.set(db, readHandle);
  const writer = { db: writeDb, handle: writeHandle, queue: new WriterQueue() };
  writers.set(db, writer);
  return { db, writer };
}

/** The reading connection's dialect: destroying the `Db` closes the writing connection too. */
class ReaderDialect extends SqliteDialect {
  constructor(
    private readonly readerConfig: SqliteDialectConfig,
    private readonly writeDb: Db,
  ) {
    super(readerConfig);
  }

  override createDriver(): Driver {
    const writeDb = this.writeDb;
    return new (class extends SqliteDriver {
      override async destroy(): Promise<void> {
        await writeDb.destroy();
        await super.destroy();
      }
    })(this.readerConfig);
  }
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
  const { db, writer } = openSqlite(config.databaseUrl);
  try {
    let keyring: Keyring | null = null;
    await migrateToLatest(writer.db, writer.handle, { keyring: () => (keyring ??= loadKeyring(config)) });
  } catch (error) {
    await db.destroy();
    throw error;
  }
  // From now on no statement may sleep on the lock: better-sqlite3 would block the event loop.
  writer.handle.pragma('busy_timeout = 0');
  return db;
}

async function migrateToLatest(db: Db, handle: BetterSqlite3.Database, context: MigrationContext): Promise<void> {
  // Cheap check first: the CLI opens the database on every command, and the migrator's own
  // locking costs a write transaction each time.
  const applied = await sql<{ name: string }>`select name from kysely_migration order by name desc limit 1`
    .execute(db)
    .then((r) => r.rows[0]?.name)
    .catch(() => undefined);
  if (applied === LATEST_MIGRATION) return;
  const migrator = new Migrator({ db, provider: migrationProvider(context) });
  // A migration that seals what was stored in clear must not leave the clear text behind in freed
  // space of a page, nor in an old page image in the WAL.
  handle.pragma('secure_delete = ON');
  const { error, results } = await migrator.migrateToLatest();
  handle.pragma('secure_delete = OFF');
  if (!error) handle.pragma('wal_checkpoint(TRUNCATE)');
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
 * 2 ms without blocking, and after `lockWaitMs` (counted from the call, queueing included)
 * throws `busy` (503 with Retry-After): nothing was written.
 */
export async function writeTransaction<T>(db: Db, fn: (trx: Db) => Promise<T>, { lockWaitMs = LOCK_WAIT_MS } = {}): Promise<T> {
  const writer = writers.get(db);
  if (!writer) throw new Error('writeTransaction needs the Db that openDatabase() returned (not a transaction)');
  const deadline = Date.now() + lockWaitMs;
  const done = await writer.queue.turn(deadline);
  if (!done) throw databaseBusy();
  try {
    return await writer.db.connection().execute(async (conn) => {
      sqliteHandles.set(conn, writer.handle);
      await beginImmediate(conn, deadline);
      try {
        const result = await fn(conn);
        await sql`commit`.execute(conn);
        return result;
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw error;
      }
    });
  } finally {
    done();
  }
}

async function beginImmediate(conn: Db, deadline: number): Promise<void> {
  for (;;) {
    try {
      await sql`begin immediate`.execute(conn);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
      if (Date.now() >= deadline) throw databaseBusy();
    }
    await setTimeout(LOCK_POLL_MS);
  }
}
