import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sqliteHandle, sqliteReadHandle, writeTransaction, type Db } from '../../src/core/db/database.js';
import { sqliteWriter } from '../../src/core/db/sqlite-database.js';
import { FailureBudget } from '../../src/core/failure-budget.js';
import { openSqliteDatabase } from '../helpers/sqlite-database.js';
import { useSqliteInEveryPass } from '../helpers/test-database.js';

// SQLite itself, whatever database the pass is for: its two connections (sqlite-database.ts).
useSqliteInEveryPass();
const openSqlite = async (t: { after(fn: () => unknown): void }): Promise<Db> => (await openSqliteDatabase(t)).db;

const NOW = 1_800_000_000_000;
const INTERVAL = 60_000;
/** A budget of one failure: its wait is 0 with no row, one interval once a failure is committed. */
const budgetOf = (db: Db) => new FailureBudget(db, { scope: 'test', burst: 1, refillEveryMs: INTERVAL, clock: () => NOW });

describe("SQLite's reading and writing connections", () => {
  it('read on the writing connection between write transactions, and never see one not yet committed', async (t) => {
    const db = await openSqlite(t);
    const budget = budgetOf(db);
    assert.equal(sqliteReadHandle(db), sqliteWriter(db)!.handle, 'between transactions: the writing connection, its cache warm');
    await writeTransaction(db, async (trx) => {
      await budget.reserveIn(trx, 'client-a', 0, NOW);
      assert.equal(sqliteReadHandle(db), sqliteHandle(db), 'inside one: the reading connection');
      assert.equal(await budget.waitMs('client-a'), 0, 'the failure is not seen before it commits');
    });
    assert.equal(await budget.waitMs('client-a'), INTERVAL, 'and is once it has');
  });

  it('roll a failed write transaction back, and the next one commits', async (t) => {
    const db = await openSqlite(t);
    const budget = budgetOf(db);
    const failing = writeTransaction(db, async (trx) => {
      await budget.reserveIn(trx, 'client-b', 0, NOW);
      throw new Error('failed after its write');
    });
    await assert.rejects(failing, /failed after its write/);
    assert.equal(sqliteWriter(db)!.handle.inTransaction, false);
    assert.equal(await budget.waitMs('client-b'), 0, 'nothing of it was kept');
    assert.equal(await budget.reserve('client-b', 0), 0);
    assert.equal(await budget.waitMs('client-b'), INTERVAL);
  });
});
