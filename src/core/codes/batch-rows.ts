import type BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { sqliteHandle } from '../db/database.js';
import { operationalFailure } from '../errors.js';
import { ROW_BYTES, type DrawnCodes } from './drawn-codes.js';
import { isUniqueViolation } from '../db/unique-violation.js';

/**
 * The longest a batch holds the write lock at a time. Measured in time, not rows, so it holds on
 * a slow or busy machine too; another process's write waits about this long at most.
 */
const LOCK_BUDGET_MS = 50;
/** Statements smaller than this cost more in round trips than they save in lock time. */
const MIN_ROWS = 100;
/** Bounds one statement (96 kB of rows; a few ms on SQLite) whatever the pace, so a stall mid-statement costs little. */
const MAX_ROWS_PER_INSERT = 2_000;
/** A guess for the first statement: 1,000 rows in 50 ms is slow for either database. */
const FIRST_ROWS_PER_MS = 20;
/** Aim a little short of the remaining budget: statements vary. */
const PACE_MARGIN = 0.8;

/** What every row of a batch shares. */
export interface BatchColumns {
  eventId: string;
  batchId: string;
  label: string | null;
  expiresAt: number;
  createdAt: number;
}

/**
 * How many rows the next INSERT takes, so that it ends within the lock budget: learnt from the
 * statements so far (rows per millisecond), as it varies tenfold between SQLite and PostgreSQL
 * (whose foreign-key triggers run per row) and with the machine's load. Kept across the batch's
 * transactions.
 */
export class InsertPace {
  private rowsPerMs = FIRST_ROWS_PER_MS;

  /** Rows for a statement that may take `ms`; fewer than MIN_ROWS means: commit first. */
  rowsFor(ms: number): number {
    return Math.min(MAX_ROWS_PER_INSERT, Math.floor(ms * this.rowsPerMs * PACE_MARGIN));
  }

  record(rows: number, ms: number): void {
    if (rows >= MIN_ROWS) this.rowsPerMs = rows / Math.max(ms, 0.1);
  }
}

/**
 * Inserts codes from `from` on until done or the lock budget is spent; returns how many (at
 * least one statement's worth, so a batch always advances). An id that already exists (two
 * codes sharing 80 hash bits: ~1 in 10^12 per million) is drawn again.
 */
export async function insertCodesWithinBudget(trx: Db, drawn: DrawnCodes, batch: BatchColumns, from: number, pace: InsertPace): Promise<number> {
  const started = performance.now();
  const sqlite = sqliteHandle(trx);
  // PostgreSQL: these rows are invisible until the batch's last transaction, whose synchronous
  // commit flushes the WAL up to it, these rows' too; a crash before it loses only rows that
  // `deleteAbandonedBatches` would delete anyway. So no flush to disk per transaction here.
  if (!sqlite) await sql`set local synchronous_commit = off`.execute(trx);
  let i = from;
  while (i < drawn.count) {
    const rows = pace.rowsFor(LOCK_BUDGET_MS - (performance.now() - started));
    if (rows < MIN_ROWS && i > from) break;
    const end = Math.min(drawn.count, i + Math.max(rows, MIN_ROWS));
    const statementStarted = performance.now();
    if (sqlite) insertSqliteChunk(sqlite, drawn, batch, i, end);
    else await insertPostgresChunk(trx, drawn, batch, i, end);
    pace.record(end - i, performance.now() - statementStarted);
    i = end;
  }
  return i - from;
}

/**
 * SQLite: the codes `from`..`end` in one statement that slices a single bound blob into rows (a
 * recursive count, substr), three times less work than a statement run per row. A taken id
 * fails the statement alone (SQLite undoes just that statement); the chunk is then stored row by
 * row, drawing the taken one again.
 */
function insertSqliteChunk(sqlite: BetterSqlite3.Database, drawn: DrawnCodes, batch: BatchColumns, from: number, end: number): void {
  const columns = { eventId: batch.eventId, batchId: batch.batchId, label: batch.label, expiresAt: batch.expiresAt, createdAt: batch.createdAt };
  try {
    preparedStatements(sqlite).chunk.run({ ...columns, count: end - from, rows: drawn.rows(from, end) });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const single = preparedStatements(sqlite).single;
    for (let i = from; i < end; i++) {
      insertWithRedraw(drawn, i, () => single.run(drawn.id(i), batch.eventId, batch.batchId, drawn.hash(i), batch.label, batch.expiresAt, batch.createdAt));
    }
  }
}

/**
 * PostgreSQL: the codes `from`..`end` in one statement slicing one bound bytea, a handful of
 * bound values however many rows. A failing statement aborts the transaction there, so a taken
 * id is skipped (`on conflict do nothing`), and just those codes are drawn again and inserted by
 * the next statement.
 */
async function insertPostgresChunk(trx: Db, drawn: DrawnCodes, batch: BatchColumns, from: number, end: number): Promise<void> {
  let pending = Array.from({ length: end - from }, (_, k) => from + k);
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 3) throw operationalFailure('could not draw unique codes (the random source may be broken)');
    const rows = attempt === 0 ? drawn.rows(from, end) : drawn.rowsAt(pending);
    const { rows: inserted } = await sql<{ id: string }>`
      insert into access_codes (id, event_id, batch_id, code_hash, label, expires_at, created_at)
      select convert_from(substring(r from 1 for 16), 'UTF8'), ${batch.eventId}, ${batch.batchId}, substring(r from 17 for 32),
        ${batch.label}, ${batch.expiresAt}, ${batch.createdAt}
      from (select substring(${rows}::bytea from n * ${ROW_BYTES} + 1 for ${ROW_BYTES}) as r
            from generate_series(0, ${pending.length}::int - 1) as n) as packed
      on conflict (id) do nothing
      returning id`.execute(trx);
    if (inserted.length === pending.length) return;
    const stored = new Set(inserted.map((r) => r.id));
    const ids = pending.map((i) => drawn.id(i));
    // Draw the codes that were not stored again (in place: the batch's order is off by those few).
    pending = pending.filter((i, k) => !stored.has(ids[k]!));
    for (const i of pending) drawn.redraw(i);
  }
}

function insertWithRedraw(drawn: DrawnCodes, i: number, insert: () => void): void {
  for (let attempt = 0; ; attempt++) {
    try {
      insert();
      return;
    } catch (error) {
      if (attempt >= 3 || !isUniqueViolation(error)) throw error;
      drawn.redraw(i);
    }
  }
}

interface InsertStatements {
  /** Rows sliced from the blob `@rows` (ROW_BYTES each: id, hash); the other columns bound once. */
  chunk: BetterSqlite3.Statement;
  single: BetterSqlite3.Statement;
}

const insertStatements = new WeakMap<BetterSqlite3.Database, InsertStatements>();

function preparedStatements(sqlite: BetterSqlite3.Database): InsertStatements {
  let statements = insertStatements.get(sqlite);
  if (!statements) {
    const columns = 'insert into access_codes (id, event_id, batch_id, code_hash, label, expires_at, created_at)';
    statements = {
      chunk: sqlite.prepare(`${columns}
        with recursive n(k) as (select 0 union all select k + 1 from n where k + 1 < @count)
        select cast(substr(@rows, k * ${ROW_BYTES} + 1, 16) as text), @eventId, @batchId, substr(@rows, k * ${ROW_BYTES} + 17, 32),
          @label, @expiresAt, @createdAt
        from n`),
      single: sqlite.prepare(`${columns} values (?, ?, ?, ?, ?, ?, ?)`),
    };
    insertStatements.set(sqlite, statements);
  }
  return statements;
}

