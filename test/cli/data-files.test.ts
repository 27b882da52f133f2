import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { checkMigrationResult, migrationProvider } from '../../src/core/db/migrations.js';
import { startAppliance } from '../helpers/appliance.js';
import { initialisedDataDir, json, runCli, tempDir } from '../helpers/cli.js';
import { useSqliteInEveryPass } from '../helpers/test-database.js';

// About SQLite itself (the modes of streamgate.db and its WAL, and a SQLite database from an earlier version): SQLite in both passes.
useSqliteInEveryPass();

const mode = (file: string) => fs.statSync(file).mode & 0o777;
const DB_FILES = ['streamgate.db', 'streamgate.db-wal', 'streamgate.db-shm'];

/** Every byte SQLite keeps for the database: the file, its WAL and shared memory. */
function databaseBytes(dataDir: string): Buffer {
  return Buffer.concat(DB_FILES.map((f) => path.join(dataDir, f)).filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
}

describe('data directory modes', () => {
  it('init makes an existing 0755 directory 0700, says so, and every file it writes is 0600', async (t) => {
    const root = tempDir();
    t.after(() => fs.rmSync(root, { recursive: true, force: true }));
    const dataDir = path.join(root, 'data');
    fs.mkdirSync(dataDir);
    fs.chmodSync(dataDir, 0o755);
    const init = await runCli(['init', '--yes'], { dataDir });
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /tightened\s+.*data: mode 0755 → 0700/);
    assert.equal(mode(dataDir), 0o700);
    assert.equal(mode(path.join(dataDir, 'secret')), 0o600);
    assert.equal(mode(path.join(dataDir, 'streamgate.db')), 0o600);
    const again = json(await runCli(['init', '--yes', '--json'], { dataDir }));
    assert.deepEqual(again.tightened, [], 'nothing left to tighten');
  });

  it('serve tightens a loosened directory and database with a warning, and its live files are 0600', async (t) => {
    const dataDir = await initialisedDataDir(t);
    fs.chmodSync(dataDir, 0o755);
    fs.chmodSync(path.join(dataDir, 'streamgate.db'), 0o644);
    const doctor = json(await runCli(['doctor', '--json'], { dataDir }));
    const check = doctor.checks.find((c: { name: string }) => c.name === 'file modes');
    assert.equal(check.status, 'fail');
    assert.match(check.detail, /data is 0755.*streamgate\.db is 0644/);

    const app = await startAppliance(t, {}, dataDir);
    assert.match(app.logs(), /warning: .*data was mode 0755, readable by other users; now 0700/);
    assert.match(app.logs(), /warning: .*streamgate\.db was mode 0644, readable by other users; now 0600/);
    assert.equal(mode(dataDir), 0o700);
    await app.codes(1); // the platform writes: WAL and shared memory exist now
    for (const file of DB_FILES) assert.equal(mode(path.join(dataDir, file)), 0o600, file);
  });
});

describe('stream keys at rest', () => {
  it('are sealed: neither the database nor its WAL holds a key in clear, before or after rotation', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const first = json(await runCli(['events', 'show', 'conf', '--json'], { dataDir })).streamKey;
    assert.match(first, /^[a-z0-9]{32}$/);
    const rotated = json(await runCli(['events', 'rotate-key', 'conf', '--json'], { dataDir })).streamKey;
    assert.notEqual(rotated, first);
    const bytes = databaseBytes(dataDir);
    for (const key of [first, rotated]) assert.equal(bytes.indexOf(key), -1, 'a stream key in clear in the database files');
    assert.equal(json(await runCli(['events', 'list', '--json'], { dataDir }))[0].streamKey, rotated);
  });

  it('migration 0005 seals the plaintext keys of an existing database and leaves no copy in clear', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const legacyKey = 'legacyplaintextstreamkey00000001';
    const others = Array.from({ length: 40 }, (_, i) => `otherlegacyplaintextkey${String(i).padStart(9, '0')}`);
    // The database as an earlier version left it: migrated up to 0004, keys in clear.
    for (const file of DB_FILES) fs.rmSync(path.join(dataDir, file), { force: true });
    const sqlite = new BetterSqlite3(path.join(dataDir, 'streamgate.db'));
    const old = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
    const provider = migrationProvider({ kind: 'sqlite', keyring: () => assert.fail('0001–0004 need no keyring') });
    checkMigrationResult(await new Migrator({ db: old, provider }).migrateTo('0004_key_revocations'));
    const insert = sqlite.prepare("insert into events (id, title, status, rewatch_hours, stream_key, ladder, created_at, updated_at) values (?, 'Old', 'ended', 48, ?, 'copy', 0, 0)");
    insert.run('conf', legacyKey);
    others.forEach((key, i) => insert.run(`old-${i}`, key));
    await old.destroy();
    assert.notEqual(databaseBytes(dataDir).indexOf(legacyKey), -1, 'the setup stored the key in clear');

    const shown = await runCli(['events', 'show', 'conf', '--json'], { dataDir });
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(json(shown).streamKey, legacyKey, 'the same key, so OBS keeps working');
    const bytes = databaseBytes(dataDir);
    for (const key of [legacyKey, ...others]) assert.equal(bytes.indexOf(key), -1, `no copy of ${key} in clear is left`);
    const listed = json(await runCli(['events', 'list', '--json'], { dataDir }));
    assert.deepEqual(listed.filter((e: { id: string }) => e.id.startsWith('old-')).map((e: { streamKey: string }) => e.streamKey).sort(), [...others].sort());
  });
});
