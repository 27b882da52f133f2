import type { KeyObject } from 'node:crypto';
import { setTimeout } from 'node:timers/promises';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { writeTransaction } from '../db/database.js';
import { AppError, operationalFailure } from '../errors.js';
import { timeOrderedId } from '../ids.js';
import { DrawnCodes } from './drawn-codes.js';
import { InsertPace, insertCodesWithinBudget } from './batch-rows.js';

/** Pause between the batch's transactions, so other writers (polling every 2 ms) get their turn. */
const LOCK_GAP_MS = 5;
/** A pending batch whose writer has not been heard from for this long was abandoned (crash, kill -9). */
export const ABANDONED_BATCH_MS = 60_000;

export interface CodeBatchSpec {
  eventId: string;
  count: number;
  expiresAt: number;
  label: string | null;
  /** Seats: devices each code may play on at once (sessions/device-seats.ts). */
  devices: number;
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
      .values({ id: batchId, event_id: spec.eventId, count: spec.count, created_at: now, heartbeat_at: now, committed_at: null, devices: spec.devices })
      .execute();
  });

  try {
    const total = spec.count * 2;
    const drawn = new DrawnCodes(spec.count, deps.pepper, (done) => hooks.onProgress?.(done, total));
    const batch = { eventId: spec.eventId, batchId, label: spec.label, expiresAt: spec.expiresAt, createdAt: deps.clock() };
    let stored = 0;
    let handedOn = 0;
    const pace = new InsertPace();
    while (stored < drawn.count) {
      stored += await writeTransaction(deps.db, async (trx) => {
        const n = await insertCodesWithinBudget(trx, drawn, batch, stored, pace);
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
