import type { KeyObject } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { writeTransaction } from '../db/database.js';
import type { NewAccessCodeRow } from '../db/schema.js';
import { AppError, operationalFailure } from '../errors.js';
import { generateCode, hashCode } from '../access-code.js';
import { timeOrderedId } from '../ids.js';

/**
 * Rows per write transaction. Small enough that the write lock is held for a few milliseconds
 * (another process's revocation never waits long), large enough to amortise the commit.
 */
const CHUNK_SIZE = 5_000;
/** SQLite allows 32,766 bound values per statement; 8 columns × 2,000 rows stays well below. */
const ROWS_PER_STATEMENT = 2_000;
/** A pending batch whose writer has not been heard from for this long was abandoned (crash, kill -9). */
export const ABANDONED_BATCH_MS = 60_000;

export interface NewCode {
  id: string;
  code: string;
}

export interface CodeBatchSpec {
  eventId: string;
  count: number;
  expiresAt: number;
  label: string | null;
}

export interface CodeBatchHooks {
  /** Receives each chunk once it is stored (still invisible to users). */
  onChunk(codes: NewCode[]): void;
  /** Runs just before the batch becomes visible: make the plaintext output durable here. */
  beforeCommit(): void;
  /** Runs inside the final transaction: e.g. revoke what a rotation replaces, write the audit entry. */
  inCommit(trx: Db, nowMs: number, batchId: string): Promise<void>;
  onProgress?(done: number, total: number): void;
}

export interface CodeBatchDeps {
  db: Db;
  clock: Clock;
  pepper: KeyObject;
}

/**
 * Creates `count` codes as one all-or-nothing batch without holding the write lock for long:
 * rows are written in small transactions under a pending batch, and the batch is made visible
 * (committed_at set) in one last short transaction. A crash at any point leaves either nothing
 * visible or everything; `deleteAbandonedBatches` clears the leftovers.
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
    let done = 0;
    while (done < spec.count) {
      const size = Math.min(CHUNK_SIZE, spec.count - done);
      const chunk = await insertChunk(deps, spec, batchId, size);
      hooks.onChunk(chunk);
      done += size;
      hooks.onProgress?.(done, spec.count);
    }
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

/** Generates and stores one chunk; a hash collision (about 1 in 2^40 per million) just retries it. */
async function insertChunk(deps: CodeBatchDeps, spec: CodeBatchSpec, batchId: string, size: number): Promise<NewCode[]> {
  for (let attempt = 0; ; attempt++) {
    // Generate and hash outside the transaction: the lock is held only for the inserts.
    const now = deps.clock();
    const codes: NewCode[] = [];
    const rows: NewAccessCodeRow[] = [];
    for (let i = 0; i < size; i++) {
      const code = generateCode();
      const id = timeOrderedId(now);
      codes.push({ id, code });
      rows.push({
        id,
        event_id: spec.eventId,
        batch_id: batchId,
        code_hash: hashCode(deps.pepper, code),
        label: spec.label,
        expires_at: spec.expiresAt,
        created_at: now,
        first_used_at: null,
        last_used_at: null,
        revoked_at: null,
        revoke_reason: null,
      });
    }
    try {
      await writeTransaction(deps.db, async (trx) => {
        for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
          await trx.insertInto('access_codes').values(rows.slice(i, i + ROWS_PER_STATEMENT)).execute();
        }
        await trx.updateTable('code_batches').set({ heartbeat_at: now }).where('id', '=', batchId).execute();
      });
      return codes;
    } catch (error) {
      if (attempt < 3 && isUniqueViolation(error)) continue;
      throw error;
    }
  }
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
      const ids = await trx.selectFrom('access_codes').select('id').where('batch_id', '=', batchId).limit(CHUNK_SIZE).execute();
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
