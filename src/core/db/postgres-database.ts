import { CompiledQuery, Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { databaseBusy } from '../errors.js';
import { createLog } from '../log.js';
import { commitOrRollback } from './commit-or-rollback.js';
import { checkMigrationResult, LATEST_MIGRATION, migrationProvider, type MigrationContext } from './migrations.js';
import { appliedMigrations, recordSchemaVersion, refuseNewerSchema, type SchemaChange } from './schema-version.js';
import type { FirstRead, WriteLock } from './database.js';
import type { Database } from './schema.js';
import { WriterQueue } from './writer-queue.js';

type Db = Kysely<Database>;

/** How long opening a connection may take before the request answers `database_unavailable`. */
const CONNECT_TIMEOUT_MS = 5_000;
/**
 * The advisory lock every write transaction takes (any constant distinct from kysely's migration
 * lock, 3853314791062309107): "streamga" in ASCII as a bigint.
 */
const WRITE_LOCK_ID = '8319400191411971937';
/**
 * The first key of a code's own advisory lock, taken with `hashtext(code id)` as the second
 * ("sgcd" in ASCII). Two-key advisory locks live apart from one-key ones like WRITE_LOCK_ID.
 * Two codes whose ids hash alike merely take turns.
 */
const CODE_LOCK_CLASS = 0x73676364;
/** A code id (access-code.ts): safe to write into the statement that takes its lock. */
const CODE_ID = /^[0-9a-z]{1,64}$/;
const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * Client settings for `url`, shared by the pool and by dedicated clients (a LISTEN client). Times
 * are epoch milliseconds in bigint columns and counts are bigint: parsed as JS numbers (exact up
 * to 2^53, far beyond any epoch-ms or count here) so rows look the same as SQLite's. `sum()` of
 * integers is `numeric` in PostgreSQL: a number too. Set per client, not through pg's global
 * parsers, so nothing else in the process is affected.
 */
export function postgresClientConfig(url: string): pg.ClientConfig {
  return {
    connectionString: url,
    application_name: 'streamgate',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
        if ((oid === INT8_OID || oid === NUMERIC_OID) && format !== 'binary') return (value: string) => Number(value);
        return pg.types.getTypeParser(oid, format as 'text');
      }) as typeof pg.types.getTypeParser,
    },
  };
}

/**
 * The hot path's statements (compile-once.ts), by SQL text: each connection prepares one by name
 * the first time it runs it and then only binds and executes it, so PostgreSQL parses and plans it
 * once per connection rather than on every validation. A name stays with its text for the life of
 * the process. Named statements belong to a database session, like LISTEN: a pooler in transaction
 * mode is already ruled out (docs/scaling.md).
 */
const preparedNames = new Map<string, string>();

/** Registers `sqlText` (a statement whose text never changes) to run as a named prepared statement. */
export function preparePostgresStatement(sqlText: string): void {
  if (!preparedNames.has(sqlText)) preparedNames.set(sqlText, `streamgate_${preparedNames.size + 1}`);
}

/**
 * Routes kysely's `query(text, values)` for a registered text through pg's named statements. A
 * text of several statements (simple protocol) answers with the last one's result, where pg gives
 * kysely a list it cannot read: how a write transaction's opening round trip returns its read.
 */
function usePreparedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((...args: unknown[]) => {
    const [text, values] = args;
    if (args.length !== 2 || typeof text !== 'string' || !Array.isArray(values)) return query(...args);
    const name = preparedNames.get(text);
    if (name) return query({ name, text, values });
    return (query(text, values) as Promise<pg.QueryResult | pg.QueryResult[]>).then((result) => (Array.isArray(result) ? result.at(-1) : result));
  }) as typeof client.query;
}

/** What `writeTransaction` needs of a database opened by `openPostgres`. */
interface PostgresWriter {
  /** This process's whole-database writers, one at a time. */
  queue: WriterQueue;
  /** This process's writers that share the lock: a few at a time, leaving most pooled connections to reads. */
  sharedQueue: WriterQueue;
  url: string;
}

const writers = new WeakMap<object, PostgresWriter>();

export function postgresWriter(db: Db): PostgresWriter | null {
  return writers.get(db) ?? null;
}

/** The connection string `db` was opened with (for a dedicated LISTEN client), or null on SQLite. */
export function postgresUrl(db: Db): string | null {
  return writers.get(db)?.url ?? null;
}

/**
 * A pool of `poolSize` connections whose sessions default to read-only transactions, like the
 * SQLite reading connection: a write outside `writeTransaction` fails loudly ("cannot execute
 * INSERT in a read-only transaction") instead of escaping the write lock.
 */
export function openPostgres(url: string, poolSize: number): Db {
  const log = createLog('database');
  const pool = new pg.Pool({ ...postgresClientConfig(url), max: poolSize });
  // An idle client whose server went away (a restart, pg_terminate_backend) is reported here;
  // unhandled it would crash the process. The pool drops it and connects anew when next needed.
  pool.on('error', (error) => log.warn('database connection lost; reconnecting on next use', { error: error.message }));
  // A client in use whose socket dies also emits `error` (its query fails with it, which is how the
  // request learns); without a listener that too would crash the process. The pool discards it.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    usePreparedStatements(client);
  });
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({
      pool,
      // A statement rather than the `options` startup parameter, which PgBouncer refuses.
      onCreateConnection: (connection) => connection.executeQuery(CompiledQuery.raw('set default_transaction_read_only = on')).then(() => undefined),
    }),
  });
  writers.set(db, { queue: new WriterQueue(), sharedQueue: new WriterQueue(Math.max(1, Math.floor(poolSize / 2))), url });
  return db;
}

/**
 * Brings the schema up to date on a connection of its own that may write (the pool's may not).
 * Kysely's migrator takes a PostgreSQL advisory lock and runs the migrations in one transaction,
 * so replicas starting at once migrate once: the others wait, then find nothing left to do.
 */
export async function migratePostgres(db: Db, url: string, context: MigrationContext): Promise<SchemaChange> {
  const applied = await appliedMigrations(db);
  const from = applied.at(-1) ?? null;
  if (from === LATEST_MIGRATION) return { from, applied: [] };
  await refuseNewerSchema(db, applied);
  const migrating = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ ...postgresClientConfig(url), max: 1 }) }) });
  try {
    const outcome = await new Migrator({ db: migrating, provider: migrationProvider(context) }).migrateToLatest();
    checkMigrationResult(outcome);
    const ran = (outcome.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    if (ran.length > 0) await recordSchemaVersion(migrating, Date.now());
    return { from, applied: ran };
  } finally {
    await migrating.destroy();
  }
}

/**
 * PostgreSQL's half of `writeTransaction` (database.ts), keeping SQLite's contract: one writer at
 * a time across every process and replica. Code relies on it: a read-then-write inside a
 * transaction sees no concurrent writer, and the revocation feed's cursors commit in their order,
 * so an edge that has seen cursor 11 can never miss a 10 committed later.
 *
 * The lock is transaction-scoped (`pg_advisory_xact_lock`): a connection that dies releases it
 * with its transaction. Within a process writers queue in memory first, so only one pooled
 * connection at a time waits for the lock and reads keep the others.
 *
 * The exceptions, for the bulk of the writes under load (code validations and their failure
 * budget, each a few round trips): a transaction whose statements each keep their own rule
 * (`lock: 'shared'`) takes the write lock *shared*; one that also writes a single code's rows
 * (`lock: { code }`) takes that code's own lock too, exclusively. They run beside each other (one
 * at a time per code), never beside any other writer: every other write transaction still has
 * the whole database to itself, as it relies on. They append nothing to the revocation feed (its
 * order needs the exclusive lock), and take their locks before touching any row, as every writer
 * does, so no two transactions wait for each other in a circle.
 */
export async function postgresWriteTransaction<T, R>(
  db: Db,
  writer: PostgresWriter,
  fn: (trx: Db, firstRows: R[]) => Promise<T>,
  deadline: number,
  lock: WriteLock,
  first?: FirstRead<R>,
): Promise<T> {
  const locking =
    lock === 'database' ? `select pg_advisory_xact_lock(${WRITE_LOCK_ID})` : `select pg_advisory_xact_lock_shared(${WRITE_LOCK_ID})${lock === 'shared' ? '' : `; ${codeLock(lock.code)}`}`;
  const done = await (lock === 'database' ? writer.queue : writer.sharedQueue).turn(deadline);
  if (!done) throw databaseBusy();
  try {
    return await db.connection().execute(async (conn) => {
      const waitMs = Math.max(1, deadline - Date.now());
      // One round trip (the simple protocol allows several statements without parameters), the
      // first read included: each statement reads what was committed when it starts, so it sees
      // every write made before the lock was granted.
      const opened = await sql
        .raw<R>(`begin read write; set local lock_timeout = ${waitMs}; ${locking}${first ? `; ${first.literal()}` : ''}`)
        .execute(conn)
        .catch(async (error) => {
          await sql`rollback`.execute(conn).catch(() => undefined);
          throw isLockTimeout(error) ? databaseBusy() : error;
        });
      const firstRows = first ? opened.rows : [];
      return commitOrRollback(conn, (trx) => fn(trx, firstRows), (error) => (isLockTimeout(error) ? databaseBusy() : error));
    });
  } finally {
    done();
  }
}

function codeLock(codeId: string): string {
  if (!CODE_ID.test(codeId)) throw new Error('writeTransaction: lock.code must be an access code id');
  return `select pg_advisory_xact_lock(${CODE_LOCK_CLASS}, hashtext('${codeId}'))`;
}

/** 55P03 lock_not_available: `lock_timeout` ran out. */
function isLockTimeout(error: unknown): boolean {
  return (error as { code?: string }).code === '55P03';
}
