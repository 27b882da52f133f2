import type { KeyObject } from 'node:crypto';
import { setTimeout } from 'node:timers/promises';
import type BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { sqliteHandle, writeTransaction } from '../db/database.js';
import { AppError, operationalFailure } from '../errors.js';
import { timeOrderedId } from '../ids.js';
import { DrawnCodes, ROW_BYTES } from './drawn-codes.js';

/**
 * The longest a batch holds the write lock at a time. Measured in time, not rows, so it holds on
 * a slow or busy machine too; another process's write waits about this long at most.
 */
const LOCK_BUDGET_MS = 50;
/** Pause between the batch's transactions, so other writers (polling every 2 ms) get their turn. */
const LOCK_GAP_MS = 5;
/** SQLite: rows per INSERT from one packed blob; small enough that the budget is checked often. */
const SQLITE_ROWS_PER_INSERT = 1_000;
/** PostgreSQL: rows per INSERT from one packed bytea (240 kB of parameter). */
const POSTGRES_ROWS_PER_INSERT = 5_000;
/** A pending batch whose writer has not been heard from for this long was abandoned (crash, kill -9). */
export const ABANDONED_BATCH_MS = 60_000;

export interface CodeBatchSpec {
  eventId: string;
  count: number;
  expiresAt: number;
  label: string | null;
}

export interface CodeBatchHooks {
  /**
   * Receives every code, chunk by chunk as each is stored for good (still invisible to users):
   * CODE_LENGTH latin1 bytes a code, back to back.
   */
  onCodes(codes: Buffer): void;
  /** Runs just before the batch becomes visible: make the plaintext output durable here. */
  beforeCommit(): void;
  /** Runs inside the final transaction: e.g. revoke what a rotation replaces, write the audit entry. */
  inCommit(trx: Db, nowMs: number, batchId: string): Promise<void>;
  /** Progress over drawing and storing: `done` of `total` (twice the count). */
  onProgress?(done: number, total: number): void;
}

export interface CodeBatchDeps {
  db: Db;
  clock: Clock;
  pepper: KeyObject;
}

/**
 * Creates `count` codes as one all-or-nothing batch without holding the write lock for long.
 * Rows are stored in short transactions under a pending batch, which one last short transaction
 * makes visible (committed_at). A crash at any point leaves all or nothing visible;
 * `deleteAbandonedBatches` clears the leftovers.
 *
 * The whole batch is drawn first and stored in id order (DrawnCodes): ids are random, so storing
 * them as drawn would make every short transaction rewrite pages all over the index (measured: 3×
 * the time of one big transaction); in order, each page is written about once. The plaintext is
 * handed on as each transaction stores its part (a later redraw never touches stored codes), so
 * the output is written while the database works rather than built whole at the end.
 */
export async function createCodeBatch(deps: CodeBatchDeps, spec: CodeBatchSpec, hooks: CodeBatchHooks): Promise<string> {
  await deleteAbandonedBatches(deps.db, deps.clock());
  const batchId = timeOrderedId(deps.clock());
  await writeTransaction(deps.db, async (trx) => {
    const event = await trx.selectFrom('events').select('status').where('id', '=', spec.eventId).executeTakeFirst();
    if (!event) throw new AppError(404, 'event_not_found', `event "${spec.eventId}" does not exist`);
    if (event.status === 'archived') throw new AppError(409, 'event_archived', `event "${spec.eventId}" is archived`);
    const now = deps.clock();
    await trx
      .insertInto('code_batches')
      .values({ id: batchId, event_id: spec.eventId, count: spec.count, created_at: now, heartbeat_at: now, committed_at: null })
      .execute();
  });

  try {
    const total = spec.count * 2;
    const drawn = new DrawnCodes(spec.count, deps.pepper, (done) => hooks.onProgress?.(done, total));
    const batch = { eventId: spec.eventId, batchId, label: spec.label, expiresAt: spec.expiresAt, createdAt: deps.clock() };
    let stored = 0;
    let handedOn = 0;
    while (stored < drawn.count) {
      stored += await writeTransaction(deps.db, async (trx) => {
        const n = await insertCodesWithinBudget(trx, drawn, batch, stored);
        await trx.updateTable('code_batches').set({ heartbeat_at: deps.clock() }).where('id', '=', batchId).execute();
        return n;
      });
      hooks.onCodes(drawn.codeBytes(handedOn, stored));
      handedOn = stored;
      hooks.onProgress?.(spec.count + stored, total);
      if (stored < drawn.count) await setTimeout(LOCK_GAP_MS);
    }
    drawn.wipe();
    hooks.beforeCommit();
    await writeTransaction(deps.db, async (trx) => {
      const now = deps.clock();
      const result = await trx
        .updateTable('code_batches')
        .set({ committed_at: now, heartbeat_at: now })
        .where('id', '=', batchId)
        .where('committed_at', 'is', null)
        .executeTakeFirst();
      if (result.numUpdatedRows !== 1n) {
        throw operationalFailure('the batch was cleaned up as abandoned while it was written (was the process suspended?); nothing was created');
      }
      await hooks.inCommit(trx, now, batchId);
    });
    return batchId;
  } catch (error) {
    await deleteBatch(deps.db, batchId).catch(() => undefined);
    throw error;
  }
}

/** What every row of a batch shares. */
interface BatchColumns {
  eventId: string;
  batchId: string;
  label: string | null;
  expiresAt: number;
  createdAt: number;
}

/**
 * Inserts codes from `from` on until done or the lock budget is spent; returns how many. Each
 * statement stores a packed chunk of rows, and the next starts only if it should end within the
 * budget too (judged by the last one's time). An id that already exists (two codes sharing 80
 * hash bits: ~1 in 10^12 per million) is drawn again.
 */
async function insertCodesWithinBudget(trx: Db, drawn: DrawnCodes, batch: BatchColumns, from: number): Promise<number> {
  const started = performance.now();
  const sqlite = sqliteHandle(trx);
  const rowsPerInsert = sqlite ? SQLITE_ROWS_PER_INSERT : POSTGRES_ROWS_PER_INSERT;
  let i = from;
  let lastMs = 0;
  while (i < drawn.count && (i === from || performance.now() - started + lastMs < LOCK_BUDGET_MS)) {
    const statementStarted = performance.now();
    const end = Math.min(drawn.count, i + rowsPerInsert);
    if (sqlite) insertSqliteChunk(sqlite, drawn, batch, i, end);
    else await insertPostgresChunk(trx, drawn, batch, i, end);
    lastMs = performance.now() - statementStarted;
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

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/** Removes pending batches whose writer stopped heartbeating, in lock-friendly chunks. */
export async function deleteAbandonedBatches(db: Db, nowMs: number): Promise<number> {
  const abandoned = await db
    .selectFrom('code_batches')
    .select('id')
    .where('committed_at', 'is', null)
    .where('heartbeat_at', '<', nowMs - ABANDONED_BATCH_MS)
    .execute();
  for (const { id } of abandoned) await deleteBatch(db, id);
  return abandoned.length;
}

async function deleteBatch(db: Db, batchId: string): Promise<void> {
  for (;;) {
    const deleted = await writeTransaction(db, async (trx) => {
      const batch = await trx.selectFrom('code_batches').select('committed_at').where('id', '=', batchId).executeTakeFirst();
      if (!batch || batch.committed_at !== null) return 0; // never delete a committed batch
      const ids = await trx.selectFrom('access_codes').select('id').where('batch_id', '=', batchId).limit(5_000).execute();
      if (ids.length === 0) {
        await trx.deleteFrom('code_batches').where('id', '=', batchId).execute();
        return 0;
      }
      await trx.deleteFrom('access_codes').where('id', 'in', ids.map((r) => r.id)).execute();
      return ids.length;
    });
    if (deleted === 0) return;
  }
}
