import { sql, type Kysely, type Transaction } from 'kysely';
import { recountCodes } from '../codes/code-counts.js';
import { AppError, operationalFailure } from '../errors.js';
import { COPY_TABLES, tablePlan, type TableName, type TablePlan } from './copy-plan.js';
import { databaseKind, writeTransaction, type Db } from './database.js';
import { KeyChecksum } from './key-checksum.js';

/** What one table's copy came to (a report exists only when every table's counts and checksums agreed). */
export interface TableCopy {
  table: TableName;
  sourceRows: number;
  targetRows: number;
  /** The order-independent checksum of the copied keys (key-checksum.ts), equal on both sides. */
  checksum: string;
}

export interface CopyReport {
  rows: number;
  tables: TableCopy[];
}

export interface CopyOptions {
  /** Called after every chunk; `total` is twice the rows: copying them, then verifying them. */
  onProgress?: (done: number, total: number) => void;
  /** Rows read from the source at a time (tests make it small). */
  chunkRows?: number;
}

const CHUNK_ROWS = 5_000;
/** Bound parameters per INSERT: below SQLite's limit (32,766) and PostgreSQL's (65,535). */
const PARAMETERS_PER_INSERT = 16_000;

/**
 * Copies every table of `source` into `target`, which must hold no data yet (its schema is up to
 * date: `openDatabase` migrated it).
 *
 * All or none: the whole copy is one transaction on the target, committed only after the target's
 * counts and key checksums, read back inside that transaction, match the source's. An interrupted
 * copy (a killed process, a lost connection) therefore leaves the target empty, and the same
 * command can simply run again. The target is not in use yet, so one long transaction blocks
 * nobody. The source is read in one snapshot (a read transaction), in chunks ordered by key, so
 * the copy is consistent and never holds a whole table in memory.
 */
export async function copyDatabase(source: Db, target: Db, options: CopyOptions): Promise<CopyReport> {
  const chunkRows = options.chunkRows ?? CHUNK_ROWS;
  return readSnapshot(source, async (snapshot) => {
    const sourceRows = new Map<TableName, number>();
    for (const table of COPY_TABLES) sourceRows.set(table, await countRows(snapshot, table, tablePlan(table)));
    const rows = [...sourceRows.values()].reduce((a, b) => a + b, 0);
    let done = 0;
    const progress = (n: number) => options.onProgress?.((done += n), rows * 2);

    return writeTransaction(target, async (trx) => {
      await refuseTargetWithData(trx);
      const checksums = new Map<TableName, string>();
      for (const table of COPY_TABLES) {
        checksums.set(table, await copyTable(snapshot, trx, table, tablePlan(table), chunkRows, progress));
      }
      if (databaseKind(target) === 'postgres') await moveSequencesPastCopiedRows(trx);
      await recountCodes(trx); // derived, not copied (copy-plan.ts)
      const tables: TableCopy[] = [];
      for (const table of COPY_TABLES) {
        const copied = await readBack(trx, table, tablePlan(table), chunkRows, progress);
        tables.push({ table, sourceRows: sourceRows.get(table)!, targetRows: copied.rows, checksum: copied.checksum });
        if (copied.rows !== sourceRows.get(table) || copied.checksum !== checksums.get(table)) {
          // Thrown inside the transaction: nothing of the copy is committed.
          throw operationalFailure(
            `copy verification failed for table ${table}: ${sourceRows.get(table)} rows in the source, ${copied.rows} in the target (checksums ${checksums.get(table)} and ${copied.checksum}); nothing was committed`,
            'copy_verification_failed',
          );
        }
      }
      return { rows, tables };
    });
  });
}

/**
 * Runs `fn` in a read transaction: every read sees the same committed state, whatever other
 * processes write meanwhile. SQLite in WAL mode gives a deferred transaction a snapshot from its
 * first read on; PostgreSQL needs REPEATABLE READ for that.
 */
function readSnapshot<T>(db: Db, fn: (snapshot: Transaction<any>) => Promise<T>): Promise<T> {
  const transaction = databaseKind(db) === 'sqlite' ? db.transaction() : db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only');
  return transaction.execute(fn as (trx: Transaction<any>) => Promise<T>);
}

async function countRows(db: Kysely<any>, table: TableName, plan: TablePlan): Promise<number> {
  let query = db.selectFrom(table).select((eb) => eb.fn.countAll().as('n'));
  if (plan.only) query = plan.only(query);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The target must be new: a copy never merges into, nor overwrites, data that is already there. */
async function refuseTargetWithData(trx: Kysely<any>): Promise<void> {
  const filled: string[] = [];
  for (const table of COPY_TABLES) {
    if (await trx.selectFrom(table).select(sql.lit(1).as('one')).limit(1).executeTakeFirst()) filled.push(table);
  }
  if (filled.length > 0) {
    throw new AppError(
      409,
      'target_not_empty',
      `the target database already holds data (${filled.join(', ')}): db copy only fills an empty database, and changed nothing`,
    );
  }
}

/** Pages through `table` of `db` in key order, `chunkRows` rows at a time, selecting `columns`. */
async function* chunks(db: Kysely<any>, table: TableName, plan: TablePlan, chunkRows: number, columns: 'all' | 'key'): AsyncGenerator<Record<string, unknown>[]> {
  let last: unknown;
  for (;;) {
    let query = columns === 'all' ? db.selectFrom(table).selectAll() : db.selectFrom(table).select(plan.key);
    if (plan.only) query = plan.only(query);
    if (last !== undefined) query = query.where(plan.key, '>', last);
    const rows = await query.orderBy(plan.key).limit(chunkRows).execute();
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < chunkRows) return;
    last = rows.at(-1)![plan.key];
  }
}

/** Copies one table chunk by chunk; returns the checksum of the keys it copied. */
async function copyTable(
  source: Kysely<any>,
  target: Kysely<any>,
  table: TableName,
  plan: TablePlan,
  chunkRows: number,
  progress: (rows: number) => void,
): Promise<string> {
  const checksum = new KeyChecksum();
  for await (const rows of chunks(source, table, plan, chunkRows, 'all')) {
    const perInsert = Math.max(1, Math.floor(PARAMETERS_PER_INSERT / Object.keys(rows[0]!).length));
    for (let i = 0; i < rows.length; i += perInsert) await target.insertInto(table).values(rows.slice(i, i + perInsert)).execute();
    for (const row of rows) checksum.add(row[plan.key]);
    progress(rows.length);
  }
  return checksum.toString();
}

/** Counts and checksums what the target holds now, read the same way as the source. */
async function readBack(
  target: Kysely<any>,
  table: TableName,
  plan: TablePlan,
  chunkRows: number,
  progress: (rows: number) => void,
): Promise<{ rows: number; checksum: string }> {
  const checksum = new KeyChecksum();
  let rows = 0;
  const all = { ...plan, only: undefined };
  for await (const keys of chunks(target, table, all, chunkRows, 'key')) {
    for (const row of keys) checksum.add(row[plan.key]);
    rows += keys.length;
    progress(keys.length);
  }
  return { rows, checksum: checksum.toString() };
}

/**
 * Rows were inserted with their keys, so PostgreSQL's identity sequences (serial or identity
 * columns) have not moved: the next revocation would get cursor 1 and collide. Each sequence is
 * set so that its next value is one past the copied maximum. (SQLite's AUTOINCREMENT follows
 * explicit keys by itself.)
 */
async function moveSequencesPastCopiedRows(trx: Kysely<any>): Promise<void> {
  for (const table of COPY_TABLES) {
    const plan = tablePlan(table);
    if (!plan.identity) continue;
    await sql`select setval(pg_get_serial_sequence(${table}, ${plan.key}), coalesce(max(${sql.ref(plan.key)}), 0) + 1, false) from ${sql.table(table)}`.execute(trx);
  }
}
