import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { freshDataDir, initialisedDataDir, json, runCli } from '../helpers/cli.js';
import { useSqliteInEveryPass } from '../helpers/test-database.js';

// About a SQLite file named by DATABASE_URL: SQLite whatever the pass.
useSqliteInEveryPass();

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

describe('streamgate restore with DATABASE_URL=sqlite:FILE', () => {
  it('restores the database to the file DATABASE_URL=sqlite: names, outside the data directory', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const archive = path.join(path.dirname(dataDir), 'backup.tar');
    assert.equal((await runCli(['backup', archive], { dataDir })).code, 0);
    const restored = freshDataDir(t);
    const elsewhere = path.join(path.dirname(restored), 'db', 'streamgate.sqlite');
    const env = { DATABASE_URL: `sqlite:${elsewhere}` };
    const restore = await runCli(['restore', archive], { dataDir: restored, env });
    assert.equal(restore.code, 0, restore.stderr);
    assert.deepEqual(fs.readdirSync(restored), ['secret']);
    assert.equal(modeOf(elsewhere), 0o600);
    assert.equal(json(await runCli(['events', 'list', '--json'], { dataDir: restored, env }))[0].id, 'conf');
    const again = await runCli(['restore', archive], { dataDir: freshDataDir(t), env });
    assert.equal(again.code, 2, 'an existing database file is never replaced');
    assert.match(again.stderr, /exists: restore only into an empty data directory and database/);
  });
});
