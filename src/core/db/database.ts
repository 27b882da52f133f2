import fs from 'node:fs';
import path from 'node:path';
import { PostgresAdapter, type CompiledQuery, type Kysely } from 'kysely';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { loadKeyring, type Keyring } from '../secret-store.js';
import type { DatabaseKind } from './migrations.js';
import { migratePostgres, openPostgres, postgresWriteTransaction, postgresWriter } from './postgres-database.js';
import type { Database } from './schema.js';
import type { SchemaChange } from './schema-version.js';
import { migrateSqlite, openSqlite, sqliteWriteTransaction, sqliteWriter } from './sqlite-database.js';

export type Db = Kysely<Database>;
export type { DatabaseKind } from './migrations.js';
export { sqliteHandle, sqliteReadHandle } from './sqlite-database.js';
export { postgresClientConfig, postgresUrl } from './postgres-database.js';

/**
 * How long a write waits for another writer's lock before it answers `busy` (503). A
 * million-code batch holds the lock for at most ~50 ms at a time, so only a stuck or hostile
 * holder (an open `sqlite3` shell, a backup tool) makes a write wait this long.
 */
export const LOCK_WAIT_MS = 5_000;

const schemaChanges = new WeakMap<Db, SchemaChange>();

/** What `openDatabase` did to the schema of `db` (`streamgate db migrate` reports it). */
export function schemaChangeOf(db: Db): SchemaChange {
  return schemaChanges.get(db) ?? { from: null, applied: [] };
}

export function isPostgresUrl(databaseUrl: string): boolean {
  return /^postgres(ql)?:\/\//.test(databaseUrl);
}

/** Which database `db` (or a transaction's connection handed out by `writeTransaction`) talks to. */
export function databaseKind(db: Db): DatabaseKind {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/**
 * The one place that opens the SQL database: SQLite (the appliance default, a file in the data
 * directory) or PostgreSQL (`DATABASE_URL=postgres://…`, for several replicas). Either way the
 * `Db` everyone holds only reads; writes go through `writeTransaction`. The schema is brought up
 * to date first. With `create: false` a missing SQLite file is an error telling the operator to
 * run `init`, rather than a silently empty database.
 */
export async function openDatabase(config: Config, { create = false } = {}): Promise<Db> {
  let keyring: Keyring | null = null;
  const keyringOnce = () => (keyring ??= loadKeyring(config));
  if (isPostgresUrl(config.databaseUrl)) {
    const db = openPostgres(config.databaseUrl, config.databasePoolSize);
    try {
      schemaChanges.set(db, await migratePostgres(db, config.databaseUrl, { kind: 'postgres', keyring: keyringOnce }));
    } catch (error) {
      await db.destroy();
      throw error;
    }
    return db;
  }
  if (!config.databaseUrl.startsWith('sqlite:')) {
    throw new AppError(400, 'unsupported_database', 'DATABASE_URL: must start with sqlite: or postgres://');
  }
  const file = config.databaseUrl.slice('sqlite:'.length);
  if (!create && !fs.existsSync(file)) {
    throw new AppError(400, 'not_initialised', `${file} does not exist: run "streamgate init" first (or pass --data-dir)`);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const { db, writer } = openSqlite(file, LOCK_WAIT_MS);
  try {
    schemaChanges.set(db, await migrateSqlite(writer, { kind: 'sqlite', keyring: keyringOnce }));
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

export interface WriteOptions {
  /** How long to wait for the lock, queueing included, before answering `busy`. */
  lockWaitMs?: number;
  /**
   * What may write beside `fn` on PostgreSQL (SQLite has one writer at a time whatever this says).
   * `database` (the default): nothing. `shared`: `fn` writes only with statements that each keep
   * their own rule (a failure budget's upsert) and appends nothing to the revocation feed, so it
   * runs beside other `shared` and `code` transactions. `{ code }`: as `shared`, and also writes
   * that one access code's rows (its use times, its sessions), one transaction per code at a time.
   * See postgres-database.ts.
   */
  lock?: WriteLock;
}

export type WriteLock = 'database' | 'shared' | { code: string };

/**
 * A transaction's first read, under its lock: `compiled` as any statement; on PostgreSQL
 * `literal()`, the same without parameters (values written in, safely), sent in the round trip
 * that begins the transaction and takes the lock.
 */
export interface FirstRead<R> {
  compiled: CompiledQuery<R>;
  literal: () => string;
}

/**
 * Runs `fn` in a write transaction holding the database's write lock: SQLite's
 * (`BEGIN IMMEDIATE`) or, on PostgreSQL, an advisory lock every writer takes (see
 * postgres-database.ts for why, and for `lock`). Writes are serialised across every process
 * and replica, so a read-then-write inside `fn` sees no concurrent writer. After `lockWaitMs`
 * (counted from the call, queueing included) it throws `busy` (503 with Retry-After): nothing
 * was written.
 */
export async function writeTransaction<T, R = never>(
  db: Db,
  fn: (trx: Db, firstRows: R[]) => Promise<T>,
  /** `first`: a read whose rows `fn` gets (none without it), one round trip less on PostgreSQL. */
  { lockWaitMs = LOCK_WAIT_MS, lock = 'database', first }: WriteOptions & { first?: FirstRead<R> } = {},
): Promise<T> {
  const deadline = Date.now() + lockWaitMs;
  const sqlite = sqliteWriter(db);
  if (sqlite) return sqliteWriteTransaction(sqlite, async (trx) => fn(trx, first ? (await trx.executeQuery(first.compiled)).rows : []), deadline);
  const postgres = postgresWriter(db);
  if (postgres) return postgresWriteTransaction(db, postgres, fn, deadline, lock, first);
  throw new Error('writeTransaction needs the Db that openDatabase() returned (not a transaction)');
}
