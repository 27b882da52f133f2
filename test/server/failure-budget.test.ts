import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig, type Config } from '../../src/core/config.js';
import { openDatabase, type Db } from '../../src/core/db/database.js';
import { FailureBudget, pruneFailureBudgets } from '../../src/core/failure-budget.js';
import { tempDir } from '../helpers/cli.js';
import { dropTestDatabase, testDatabaseEnv } from '../helpers/test-database.js';

/** A real database file, and a clock the test moves. */
async function budgetDb(t: { after(fn: () => unknown): void }): Promise<{ db: Db; config: Config; now: { t: number }; budget: (db?: Db, scope?: string) => FailureBudget }> {
  const root = tempDir();
  const dataDir = path.join(root, 'data');
  const config = loadConfig({ STREAMGATE_DATA_DIR: dataDir, ...(await testDatabaseEnv(dataDir)) });
  const db = await openDatabase(config, { create: true });
  t.after(async () => {
    await db.destroy();
    fs.rmSync(root, { recursive: true, force: true });
    await dropTestDatabase(dataDir);
  });
  const now = { t: 1_000_000 };
  return { db, config, now, budget: (on = db, scope = 'test') => new FailureBudget(on, { scope, burst: 3, refillEveryMs: 1_000, clock: () => now.t }) };
}

describe('FailureBudget (in the database)', () => {
  it('allows a burst, then one failure per refill, telling the exact wait', async (t) => {
    const { now, budget: make } = await budgetDb(t);
    const budget = make();
    const spend4 = async () => [await budget.spend('a'), await budget.spend('a'), await budget.spend('a'), await budget.spend('a')];
    assert.deepEqual(await spend4(), [true, true, true, false]);
    assert.equal(await budget.waitMs('a'), 1_000);
    now.t += 400;
    assert.equal(await budget.waitMs('a'), 600);
    assert.equal(await budget.spend('a'), false, 'a refusal spends nothing');
    now.t += 600;
    assert.deepEqual([await budget.spend('a'), await budget.spend('a')], [true, false]);
    now.t += 10_000;
    assert.deepEqual(await spend4(), [true, true, true, false], 'refilled, never past the burst');
    assert.equal(await budget.waitMs('b'), 0, 'each client has its own budget');
    assert.equal(await make(undefined, 'other').waitMs('a'), 0, 'and each scope');
  });

  it('reserves attempts up to one hold ahead, and takes back a refunded one', async (t) => {
    const { now, budget: make } = await budgetDb(t);
    const budget = make();
    assert.deepEqual([await budget.reserve('a', 1_000), await budget.reserve('a', 1_000), await budget.reserve('a', 1_000)], [0, 0, 0]);
    assert.equal(await budget.reserve('a', 1_000), 1_000, 'past the burst: held until its turn');
    assert.equal(await budget.reserve('a', 1_000), null, 'further away than the longest hold: nothing taken');
    assert.equal(await budget.waitMs('a'), 2_000);
    await budget.refund('a');
    assert.equal(await budget.waitMs('a'), 1_000, 'a refunded attempt is free again');
    now.t += 5_000;
    await budget.refund('a');
    await budget.refund('a');
    assert.equal(await budget.waitMs('a'), 0);
    assert.equal(await budget.reserve('a', 0), 0);
  });

  it('lets a client far from its limit in with one read, and takes the turn first near it', async (t) => {
    const { db, now, budget: make } = await budgetDb(t);
    const budget = make();
    assert.deepEqual(await budget.turn('a', 1_000, 2), { hold: 0, taken: false }, 'three left: nothing written');
    assert.equal((await db.selectFrom('failure_budgets').selectAll().execute()).length, 0);
    await budget.charge('a');
    assert.deepEqual(await budget.turn('a', 1_000, 2), { hold: 0, taken: false }, 'two left, as many as the margin: still only read');
    await budget.charge('a');
    assert.deepEqual(await budget.turn('a', 1_000, 2), { hold: 0, taken: true }, 'one left: the turn is taken before the check');
    assert.deepEqual(await budget.turn('a', 1_000, 2), { hold: 1_000, taken: true }, 'past the burst: held');
    assert.equal(await budget.turn('a', 1_000, 2), null, 'beyond the longest hold: refused');
    for (let i = 0; i < 5; i++) await budget.charge('a');
    assert.equal(await budget.waitMs('a'), 7_000, 'a charge is recorded even past the limit: attempts let through are paid for');
    now.t += 7_000;
    assert.deepEqual(await budget.turn('a', 0, 2), { hold: 0, taken: true });
  });

  it('is one budget for every replica: two processes on one database share it, and race for its last attempt', async (t) => {
    const { db, config, budget: make } = await budgetDb(t);
    // A second pair of connections to the same database, as a second platform replica has.
    const other = await openDatabase(config);
    t.after(() => other.destroy());
    const a = make(db);
    assert.deepEqual([await a.spend('x'), await a.spend('x')], [true, true]);
    const replicaB = make(other);
    assert.deepEqual([await replicaB.reserve('x', 5_000), await replicaB.reserve('x', 5_000)], [0, 1_000], 'the other replica counts on from the two spent');
    await replicaB.refund('x');
    await replicaB.refund('x');
    const raced = await Promise.all([a.spend('x'), replicaB.spend('x'), a.spend('x'), replicaB.spend('x')]);
    assert.deepEqual(raced.filter(Boolean).length, 1, 'one attempt was left, and only one racer got it');
  });

  it('keeps rows only for budgets that are not full: the sweep deletes the rest', async (t) => {
    const { db, now, budget: make } = await budgetDb(t);
    const budget = make();
    for (const client of ['a', 'b', 'c']) await budget.spend(client);
    await budget.spend('a');
    now.t += 1_000;
    assert.equal(await pruneFailureBudgets(db, now.t), 2, 'b and c are full again');
    assert.equal(await budget.waitMs('a'), 0);
    const rows = await db.selectFrom('failure_budgets').select('client').execute();
    assert.deepEqual(rows.map((r) => r.client), ['a']);
    now.t += 1_000;
    assert.equal(await pruneFailureBudgets(db, now.t), 1);
    assert.equal(await pruneFailureBudgets(db, now.t), 0);
  });
});
