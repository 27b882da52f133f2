import { setTimeout } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, SqliteDriver, type Driver, type SqliteDialectConfig } from 'kysely';
import { databaseBusy } from '../errors.js';
import { checkMigrationResult, LATEST_MIGRATION, migrationProvider, type MigrationContext } from './migrations.js';
import { appliedMigrations, recordSchemaVersion, refuseNewerSchema, type SchemaChange } from './schema-version.js';
import type { Database } from './schema.js';
import { WriterQueue } from './writer-queue.js';

type Db = Kysely<Database>;

// The better-sqlite3 handle behind a Kysely instance (and behind the connection-bound instances
// that `writeTransaction` hands out), for the few hot paths that need prepared statements.
const sqliteHandles = new WeakMap<object, BetterSqlite3.Database>();

/** The raw SQLite connection behind `db`, or null on another dialect. */
export function sqliteHandle(db: Db): BetterSqlite3.Database | null {
  return sqliteHandles.get(db) ?? null;
}

/** How often a waiting writer tries again: often enough to get in between a batch's transactions. */
const LOCK_POLL_MS = 2;
/**
 * Reads in WAL mode never wait for a writer; SQLite answers SQLITE_BUSY to a reader only for the
 * instant another connection rebuilds the WAL index. better-sqlite3 sleeps synchronously on
 * busy, so this wait stops the whole event loop: keep it short.
 */
const READ_BUSY_MS = 100;

/** What `writeTransaction` needs of a database opened by `openSqlite`. */
export interface SqliteWriter {
  db: Db;
  handle: BetterSqlite3.Database;
  queue: WriterQueue;
  /** A transaction's bounds, prepared once: through kysely they cost more than SQLite's work on a session's opening. */
  begin: BetterSqlite3.Statement;
  commit: BetterSqlite3.Statement;
  rollback: BetterSqlite3.Statement;
}

// A Db from openSqlite() reads on its own connection; its writes go to this one.
const writers = new WeakMap<object, SqliteWriter>();

export function sqliteWriter(db: Db): SqliteWriter | null {
  return writers.get(db) ?? null;
}

/**
 * The connection that answers a read of `db` fastest. SQLite drops a connection's whole page
 * cache whenever another connection has committed (WAL), so on the reading connection every
 * validation's lookup re-read its pages after the validation before it committed; the writing
 * connection keeps its cache across its own commits. Outside a transaction it reads the same
 * committed state, and a read waits for no lock: the read runs there, unless a write transaction
 * is open on it (whose rows, not yet committed, no other request may see).
 */
export function sqliteReadHandle(db: Db): BetterSqlite3.Database | null {
  const writer = writers.get(db);
  if (writer && !writer.handle.inTransaction) return writer.handle;
  return sqliteHandles.get(db) ?? null;
}

/**
 * Two connections to one file, so reads never queue behind a write waiting for the lock: the
 * `Db` that everyone holds reads (query_only: a write outside `writeTransaction` fails loudly
 * instead of waiting), and `writeTransaction` writes on the other one. WAL mode lets the reader
 * go on while any process holds the write lock.
 */
export function openSqlite(file: string, lockWaitMs: number): { db: Db; writer: SqliteWriter } {
  const writeHandle = new BetterSqlite3(file);
  writeHandle.pragma('journal_mode = WAL');
  // Only for migrations at start-up; `writeTransaction` then waits its own way (see there).
  writeHandle.pragma(`busy_timeout = ${lockWaitMs}`);
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
  const writer = {
    db: writeDb,
    handle: writeHandle,
    queue: new WriterQueue(),
    begin: writeHandle.prepare('begin immediate'),
    commit: writeHandle.prepare('commit'),
    rollback: writeHandle.prepare('rollback'),
  };
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

export async function migrateSqlite(writer: SqliteWriter, context: MigrationContext): Promise<SchemaChange> {
  const { db, handle } = writer;
  // Cheap check first: the CLI opens the database on every command, and the migrator's own
  // locking costs a write transaction each time.
  const applied = await appliedMigrations(db);
  const from = applied.at(-1) ?? null;
  let ran: string[] = [];
  if (from !== LATEST_MIGRATION) {
    await refuseNewerSchema(db, applied);
    const migrator = new Migrator({ db, provider: migrationProvider(context) });
    // A migration that seals what was stored in clear must not leave the clear text behind in freed
    // space of a page, nor in an old page image in the WAL.
    handle.pragma('secure_delete = ON');
    const outcome = await migrator.migrateToLatest();
    handle.pragma('secure_delete = OFF');
    if (!outcome.error) handle.pragma('wal_checkpoint(TRUNCATE)');
    checkMigrationResult(outcome);
    ran = (outcome.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    if (ran.length > 0) await recordSchemaVersion(db, Date.now());
  }
  // From now on no statement may sleep on the lock: better-sqlite3 would block the event loop.
  handle.pragma('busy_timeout = 0');
  return { from, applied: ran };
}

/**
 * SQLite's half of `writeTransaction` (database.ts): the write lock is taken up front
 * (`BEGIN IMMEDIATE`). Kysely's `transaction()` issues a deferred `BEGIN`: a read-then-write
 * under contention then fails with SQLITE_BUSY at once instead of waiting for the lock.
 *
 * The wait for the lock is ours, not SQLite's busy handler: that one sleeps synchronously
 * (blocking a server's event loop) in steps growing to 100 ms, so it rarely catches the short
 * gaps between another process's transactions and can starve for seconds. This loop tries every
 * 2 ms without blocking, and at `deadline` (queueing included) throws `busy` (503 with
 * Retry-After): nothing was written.
 */
export async function sqliteWriteTransaction<T>(writer: SqliteWriter, fn: (trx: Db) => Promise<T>, deadline: number): Promise<T> {
  const done = await writer.queue.turn(deadline);
  if (!done) throw databaseBusy();
  try {
    return await writer.db.connection().execute(async (conn) => {
      sqliteHandles.set(conn, writer.handle);
      await beginImmediate(writer, deadline);
      try {
        const result = await fn(conn);
        writer.commit.run();
        return result;
      } catch (error) {
        // What failed is what the caller is told; SQLite may have rolled back already.
        if (writer.handle.inTransaction) {
          try {
            writer.rollback.run();
          } catch {}
        }
        throw error;
      }
    });
  } finally {
    done();
  }
}

async function beginImmediate(writer: SqliteWriter, deadline: number): Promise<void> {
  for (;;) {
    try {
      writer.begin.run();
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
      if (Date.now() >= deadline) throw databaseBusy();
    }
    await setTimeout(LOCK_POLL_MS);
  }
}
