import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BIN, REPO_ROOT, codesFromCsv, initialisedDataDir, json, runCli } from '../helpers/cli.js';
import { deleteAbandonedBatches, ABANDONED_BATCH_MS } from '../../src/core/codes/code-batch.js';
import { openDatabase } from '../../src/core/db/database.js';
import { loadConfig } from '../../src/core/config.js';
import { useSqliteInEveryPass } from '../helpers/test-database.js';

// About SQLite itself (SQLite's write lock and files, held by another process): SQLite in both passes.
useSqliteInEveryPass();

const Database = createRequire(import.meta.url)(path.join(REPO_ROOT, 'node_modules', 'better-sqlite3'));

/** Another process that takes the write lock, holds it for `holdMs`, then commits. */
function holdWriteLock(dbFile: string, holdMs: number) {
  const script = `
    const db = require(${JSON.stringify(path.join(REPO_ROOT, 'node_modules', 'better-sqlite3'))})(${JSON.stringify(dbFile)});
    db.exec('begin immediate');
    db.prepare("insert into audit_log (at, actor, action) values (?, 'test', 'hold-lock')").run(Date.now());
    process.stdout.write('locked\\n');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${holdMs});
    db.exec('commit');
    process.stdout.write('released ' + Date.now() + '\\n');
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  const locked = new Promise<void>((resolve) => child.stdout.on('data', (d) => (output += d).includes('locked') && resolve()));
  const released = new Promise<number>((resolve) => child.on('close', () => resolve(Number(/released (\d+)/.exec(output)?.[1]))));
  return { locked, released };
}

describe('several processes writing one database', () => {
  it('a revocation waits for another process holding the write lock for 1.5 s, then succeeds', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const [code] = codesFromCsv((await runCli(['tokens', 'create', '--event', 'conf', '--count', '1'], { dataDir })).stdout);
    const holder = holdWriteLock(path.join(dataDir, 'streamgate.db'), 1_500);
    await holder.locked;
    const revoke = await runCli(['tokens', 'revoke', code!, '--json'], { dataDir });
    const finishedAt = Date.now();
    assert.equal(revoke.code, 0, revoke.stderr);
    assert.deepEqual(json(revoke), { revoked: 1, alreadyRevoked: 0, notFound: [] });
    assert.ok(finishedAt >= (await holder.released), 'the revocation committed after the lock holder released');
  });

  it('a revocation succeeds while a large batch is being written', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const [code] = codesFromCsv((await runCli(['tokens', 'create', '--event', 'conf', '--count', '1'], { dataDir })).stdout);
    const out = path.join(dataDir, '..', 'big.csv');
    const batch = runCli(['tokens', 'create', '--event', 'conf', '--count', '200000', '--out', out], { dataDir });
    const db = new Database(path.join(dataDir, 'streamgate.db'), { readonly: true });
    t.after(() => db.close());
    while (db.prepare('select count(*) as n from access_codes').get().n < 2) await sleep(10);
    const revoke = await runCli(['tokens', 'revoke', code!, '--json'], { dataDir });
    assert.deepEqual(json(revoke), { revoked: 1, alreadyRevoked: 0, notFound: [] });
    assert.equal((await batch).code, 0);
    assert.equal(codesFromCsv(fs.readFileSync(out, 'utf8')).length, 200_000);
  });

  it('kill -9 in the middle of a batch leaves no code usable and no CSV, and the leftovers are cleaned', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const out = path.join(dataDir, '..', 'killed.csv');
    const child = spawn(process.execPath, [BIN, 'tokens', 'create', '--event', 'conf', '--count', '400000', '--out', out], {
      env: { ...process.env, STREAMGATE_DATA_DIR: dataDir },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('close', resolve));
    const db = new Database(path.join(dataDir, 'streamgate.db'), { readonly: true });
    t.after(() => db.close());
    const stored = () => db.prepare('select count(*) as n from access_codes').get().n as number;
    while (stored() < 50_000) await sleep(5); // part of the batch is on disk, uncommitted
    child.kill('SIGKILL');
    await exited;

    const pending = stored();
    assert.ok(pending >= 50_000 && pending < 400_000, `killed mid-batch (${pending} rows stored)`);
    assert.equal(db.prepare('select count(*) as n from codes').get().n, 0, 'no code of the batch is visible');
    assert.equal(fs.existsSync(out), false, 'no CSV with codes that do not work');
    assert.deepEqual(json(await runCli(['tokens', 'list', '--event', 'conf', '--json'], { dataDir })), []);

    const writer = await openDatabase(loadConfig({ STREAMGATE_DATA_DIR: dataDir }));
    t.after(() => writer.destroy());
    assert.equal(await deleteAbandonedBatches(writer, Date.now()), 0, 'a batch only just abandoned is left alone');
    assert.equal(await deleteAbandonedBatches(writer, Date.now() + ABANDONED_BATCH_MS + 1_000), 1);
    assert.equal(stored(), 0);
  });
});
