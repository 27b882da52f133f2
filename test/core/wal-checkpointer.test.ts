import assert from 'node:assert/strict';
import fs from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { sqliteHandle, writeTransaction, type Db } from '../../src/core/db/database.js';
import { FALLBACK_AUTOCHECKPOINT_PAGES, startWalCheckpointer, type WalCheckpointer } from '../../src/core/db/wal-checkpointer.js';
import { sqliteWriter } from '../../src/core/db/sqlite-database.js';
import { silentLog } from '../../src/core/log.js';
import { openSqliteDatabase } from '../helpers/sqlite-database.js';
import { useSqliteInEveryPass } from '../helpers/test-database.js';

// SQLite itself, whatever database the pass is for.
useSqliteInEveryPass();
async function openSqlite(t: { after(fn: () => unknown): void }): Promise<{ db: Db; wal: string }> {
  const { db, file } = await openSqliteDatabase(t);
  return { db, wal: `${file}-wal` };
}

/** Commits `count` transactions of one ~4 KiB row each: at least one WAL page apiece. */
async function writePages(db: Db, count: number, tag: string): Promise<void> {
  for (let i = 0; i < count; i++) {
    await writeTransaction(db, (trx) => trx.insertInto('failure_budgets').values({ scope: 'test', client: `${tag}-${i}-${'x'.repeat(4000)}`, full_at: i }).execute());
  }
}

async function until(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

describe('the WAL checkpointer thread', () => {
  it("takes checkpoints off the service's commits: past 1000 pages they no longer checkpoint", async (t) => {
    const { db, wal } = await openSqlite(t);
    const checkpointer = startWalCheckpointer(db, silentLog, 3_600_000)!; // its thread never comes round in this test
    t.after(() => checkpointer.stop());
    assert.deepEqual(sqliteWriter(db)!.handle.pragma('wal_autocheckpoint'), [{ wal_autocheckpoint: FALLBACK_AUTOCHECKPOINT_PAGES }]);
    await writePages(db, 1_200, 'a');
    const pages = fs.statSync(wal).size / 4096;
    assert.ok(pages > 1_200, `the WAL grew past SQLite's default checkpoint (${pages.toFixed(0)} pages)`);
  });

  it('checkpoints every frame within its interval, and the WAL starts over after it', async (t) => {
    const { db } = await openSqlite(t);
    const checkpointer: WalCheckpointer = startWalCheckpointer(db, silentLog, 50)!;
    t.after(() => checkpointer.stop());
    await writePages(db, 1_200, 'b');
    await until('a checkpoint of every frame written', () => checkpointer.stats.log >= 1_200 && checkpointer.stats.checkpointed === checkpointer.stats.log);
    // A commit that finds the WAL wholly copied writes it from the start, unless the thread's next
    // checkpoint holds a read lock at that very moment (then a later commit does): a few tries.
    let commits = 0;
    while (commits < 20) {
      await writePages(db, 1, `c${commits++}`);
      const seen = checkpointer.stats.checkpoints;
      await until('the next checkpoint', () => checkpointer.stats.checkpoints > seen + 1);
      if (checkpointer.stats.log < 100) break;
    }
    assert.ok(checkpointer.stats.log < 100, `the WAL started over (${checkpointer.stats.log} frames after ${commits} commits)`);
    const stored = sqliteHandle(db)!.prepare("select count(*) as n from failure_budgets where scope = 'test'").get() as { n: number };
    assert.equal(stored.n, 1_200 + commits, 'every row still there');
  });

  it('stops: its thread exits, and nothing is left running', async (t) => {
    const { db } = await openSqlite(t);
    const checkpointer = startWalCheckpointer(db, silentLog, 50)!;
    await until('a first checkpoint', () => checkpointer.stats.checkpoints > 0);
    await checkpointer.stop();
    const after = checkpointer.stats.checkpoints;
    await delay(200);
    assert.equal(checkpointer.stats.checkpoints, after);
  });
});
