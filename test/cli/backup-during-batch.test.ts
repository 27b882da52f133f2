import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { waitFor } from '../helpers/appliance.js';
import { BIN, codesFromCsv, initialisedDataDir, json, runCli, tempDir } from '../helpers/cli.js';
import { useSqliteInEveryPass } from '../helpers/test-database.js';

// About SQLite's online snapshot while another process writes: SQLite in both passes.
useSqliteInEveryPass();

/** Reads the live database read-only, as a third process: how far the running batch has got. */
function pendingRows(file: string): number {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    const row = db.prepare('select count(*) as n from access_codes where batch_id in (select id from code_batches where committed_at is null)').get() as { n: number };
    return row.n;
  } finally {
    db.close();
  }
}

describe('backup during a running 1,000,000-code batch', () => {
  it('restores to a database that passes integrity_check, with whole committed batches only and working codes', { timeout: 600_000 }, async (t) => {
    const dataDir = await initialisedDataDir(t);
    const root = path.dirname(dataDir);
    const small = path.join(root, 'small.csv');
    assert.equal((await runCli(['tokens', 'create', '--event', 'conf', '--count', '1000', '--out', small], { dataDir })).code, 0);

    const big = path.join(root, 'big.csv');
    const batch = spawn(process.execPath, [BIN, 'tokens', 'create', '--event', 'conf', '--count', '1000000', '--out', big], {
      env: { ...process.env, STREAMGATE_DATA_DIR: dataDir, NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const batchDone = new Promise<number | null>((resolve) => batch.on('close', resolve));
    t.after(() => batch.kill('SIGKILL'));
    const dbFile = path.join(dataDir, 'streamgate.db');
    // Mid-batch: a tenth of the rows stored, none visible yet.
    await waitFor('the batch a tenth stored', () => batch.exitCode === null && pendingRows(dbFile) >= 100_000, 300_000);

    const archive = path.join(root, 'during-batch.tar');
    const backup = await runCli(['backup', archive, '--json'], { dataDir });
    assert.equal(backup.code, 0, backup.stderr);
    const leftOut = json(backup).pendingBatchesLeftOut as number;
    t.diagnostic(`code batches being written, left out of the snapshot: ${leftOut}`);

    const restored = path.join(tempDir(), 'restored');
    t.after(() => fs.rmSync(path.dirname(restored), { recursive: true, force: true }));
    const restore = await runCli(['restore', archive, '--json'], { dataDir: restored });
    assert.equal(restore.code, 0, restore.stderr);

    const db = new BetterSqlite3(path.join(restored, 'streamgate.db'), { readonly: true });
    try {
      assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
      const visible = (db.prepare('select count(*) as n from codes').get() as { n: number }).n;
      const committed = (db.prepare('select coalesce(sum(count), 0) as n from code_batches where committed_at is not null').get() as { n: number }).n;
      const stored = (db.prepare('select count(*) as n from access_codes').get() as { n: number }).n;
      const pending = (db.prepare('select count(*) as n from code_batches where committed_at is null').get() as { n: number }).n;
      assert.equal(visible, committed, 'the codes users see are exactly the committed batches');
      assert.equal(stored, visible, 'no row of a half-written batch is left in the restored database');
      assert.equal(pending, 0);
      // The snapshot fell mid-batch (left out) or, on a very fast machine, after its commit: never between.
      assert.equal(visible, leftOut === 1 ? 1000 : 1_001_000, `visible ${visible}, batches left out ${leftOut}`);
      assert.equal(json(restore).codes, visible);
    } finally {
      db.close();
    }

    const sample = codesFromCsv(fs.readFileSync(small, 'utf8'));
    for (const code of [sample[0]!, sample[499]!, sample[999]!]) {
      const shown = await runCli(['tokens', 'show', '-', '--json'], { dataDir: restored, input: code });
      assert.equal(shown.code, 0, shown.stderr);
      assert.equal(json(shown).code.status, 'active', 'a committed code works in the restored install');
    }

    // The running batch was not disturbed by the backup: it completes in the live database.
    assert.equal(await batchDone, 0);
    const bigCodes = codesFromCsv(fs.readFileSync(big, 'utf8'));
    assert.equal(bigCodes.length, 1_000_000);
    const fromBig = await runCli(['tokens', 'show', '-', '--json'], { dataDir: restored, input: bigCodes[123_456]! });
    if (leftOut === 1) assert.notEqual(fromBig.code, 0, 'a code of the batch left out does not exist in the restore');
    else assert.equal(json(fromBig).code.status, 'active');
    const live = json(await runCli(['tokens', 'show', '-', '--json'], { dataDir, input: bigCodes[123_456]! }));
    assert.equal(live.code.status, 'active');
  });
});
