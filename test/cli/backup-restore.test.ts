import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { codesFromCsv, freshDataDir, initialisedDataDir, json, runCli, tempDir } from '../helpers/cli.js';
import { dropTestDatabase, testDatabaseKind } from '../helpers/test-database.js';
import { TarWriter } from '../../src/core/backup/tar-writer.js';
import { loadConfig } from '../../src/core/config.js';
import { HlsKeyStore } from '../../src/core/hls-keys/hls-key-store.js';
import { loadKeyring } from '../../src/core/secret-store.js';

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

describe('streamgate backup and restore', () => {
  it('round-trips the database and data/secret: 0600 archive, 0700/0600 data directory, the same codes working', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const codes = codesFromCsv((await runCli(['tokens', 'create', '--event', 'conf', '--count', '20', '--label', 'vip'], { dataDir })).stdout);
    await runCli(['tokens', 'revoke', codes[0]!], { dataDir });
    const archive = path.join(path.dirname(dataDir), 'backup.tar');

    const backup = await runCli(['backup', archive, '--json'], { dataDir });
    assert.equal(backup.code, 0, backup.stderr);
    assert.equal(json(backup).file, archive);
    assert.equal(modeOf(archive), 0o600, 'the archive holds the secret: owner only');
    assert.deepEqual(fs.readdirSync(path.dirname(archive)).filter((f) => f.startsWith('.')), [], 'no temporary file or snapshot left beside it');

    const restored = freshDataDir(t);
    const restore = await runCli(['restore', archive, '--json'], { dataDir: restored });
    assert.equal(restore.code, 0, restore.stderr);
    assert.deepEqual({ events: json(restore).events, codes: json(restore).codes }, { events: 1, codes: 20 });
    assert.equal(modeOf(restored), 0o700);
    assert.equal(modeOf(path.join(restored, 'secret')), 0o600);
    assert.deepEqual(fs.readFileSync(path.join(restored, 'secret')), fs.readFileSync(path.join(dataDir, 'secret')));

    const working = json(await runCli(['tokens', 'show', '-', '--json'], { dataDir: restored, input: codes[5]! }));
    assert.equal(working.code.status, 'active', 'a code validates against the restored database with the restored pepper');
    const revoked = json(await runCli(['tokens', 'show', '-', '--json'], { dataDir: restored, input: codes[0]! }));
    assert.equal(revoked.code.status, 'revoked');
    const events = json(await runCli(['events', 'list', '--json'], { dataDir: restored }));
    const original = json(await runCli(['events', 'list', '--json'], { dataDir }));
    assert.deepEqual(events, original, 'the event, its stream key included, is the same');
  });

  it('carries the sealed AES-128 keys of encrypted events (data/keys), with and without --with-media, and restores them openable', async (t) => {
    const dataDir = await initialisedDataDir(t);
    assert.equal((await runCli(['events', 'create', '--title', 'Enc', '--id', 'enc', '--encryption', 'aes-128'], { dataDir })).code, 0);
    const store = (dir: string) => new HlsKeyStore(dir, loadKeyring(loadConfig({ STREAMGATE_DATA_DIR: dir })));
    const keys = [store(dataDir).create('enc'), store(dataDir).create('enc')];
    fs.mkdirSync(path.join(dataDir, 'hls', 'enc'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'hls', 'enc', 'index.m3u8'), '#EXTM3U\n');
    // A key being written (the store's temporary name) is not a key yet.
    fs.writeFileSync(path.join(dataDir, 'keys', 'enc', '.tmp-half'), 'x');

    for (const withMedia of [true, false]) {
      const archive = path.join(path.dirname(dataDir), `backup-${withMedia}.tar`);
      const backup = await runCli(['backup', archive, '--json', ...(withMedia ? ['--with-media'] : [])], { dataDir });
      assert.equal(backup.code, 0, backup.stderr);
      assert.equal(json(backup).keyFiles, 2);
      const restored = freshDataDir(t);
      const restore = await runCli(['restore', archive, '--json'], { dataDir: restored });
      assert.equal(restore.code, 0, restore.stderr);
      assert.equal(json(restore).keyFiles, 2);
      assert.equal(json(restore).mediaFiles, withMedia ? 1 : 0);
      assert.deepEqual(store(restored).list('enc').sort(), keys.map((k) => k.keyId).sort());
      for (const { keyId, key } of keys) assert.deepEqual(store(restored).read('enc', keyId), key, 'the restored secret opens the restored key');
      assert.equal(modeOf(path.join(restored, 'keys', 'enc', keys[0]!.keyId)), 0o600);
      assert.equal(modeOf(path.join(restored, 'keys', 'enc')), 0o700);
    }
  });

  it('refuses a data directory that is not empty, and changes nothing there', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const archive = path.join(path.dirname(dataDir), 'backup.tar');
    assert.equal((await runCli(['backup', archive], { dataDir })).code, 0);
    const before = fs.readdirSync(dataDir).sort();
    const secret = fs.readFileSync(path.join(dataDir, 'secret'));

    const refused = await runCli(['restore', archive], { dataDir });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^streamgate: .* is not empty .*restore only into an empty or new data directory/);
    assert.deepEqual(fs.readdirSync(dataDir).sort(), before);
    assert.deepEqual(fs.readFileSync(path.join(dataDir, 'secret')), secret);

    const stray = freshDataDir(t);
    fs.mkdirSync(stray);
    fs.writeFileSync(path.join(stray, 'notes.txt'), 'mine');
    const alsoRefused = await runCli(['restore', archive, '--json'], { dataDir: stray });
    assert.equal(alsoRefused.code, 2);
    assert.equal(json(alsoRefused).error.code, 'data_dir_not_empty');
    assert.deepEqual(fs.readdirSync(stray), ['notes.txt']);
  });

  it('restores into an existing empty directory', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const archive = path.join(path.dirname(dataDir), 'backup.tar');
    assert.equal((await runCli(['backup', archive], { dataDir })).code, 0);
    const restored = freshDataDir(t);
    fs.mkdirSync(restored, { mode: 0o755 });
    const restore = await runCli(['restore', archive], { dataDir: restored });
    assert.equal(restore.code, 0, restore.stderr);
    assert.match(restore.stdout, /1 event\(s\)/);
    assert.equal(modeOf(restored), 0o700);
  });

  it('refuses to overwrite an archive without --force, and a file that is not a backup', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const archive = path.join(path.dirname(dataDir), 'backup.tar');
    fs.writeFileSync(archive, 'precious');
    const refused = await runCli(['backup', archive], { dataDir });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /exists: choose another name, or --force/);
    assert.equal(fs.readFileSync(archive, 'utf8'), 'precious');
    assert.equal((await runCli(['backup', archive, '--force'], { dataDir })).code, 0);
    assert.equal(modeOf(archive), 0o600);

    const notABackup = path.join(path.dirname(dataDir), 'other.tar');
    fs.writeFileSync(notABackup, Buffer.alloc(4096, 'x'));
    const restored = freshDataDir(t);
    const bad = await runCli(['restore', notABackup], { dataDir: restored });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /is not a usable StreamGate backup: .*nothing was changed/);
    assert.equal(fs.existsSync(restored), false, 'no data directory appears');
    assert.deepEqual(fs.readdirSync(path.dirname(restored)), [], 'no staging folder left behind');
  });

  it('refuses an archive whose entries would land outside the data directory, leaving nothing anywhere', async (t) => {
    const root = tempDir();
    t.after(() => fs.rmSync(root, { recursive: true, force: true }));
    const database = testDatabaseKind() === 'sqlite' ? 'sqlite' : 'postgres';
    for (const [name, evil] of [['parent', 'hls/../../escaped'], ['absolute', path.join(root, 'absolute-escape')], ['unknown', 'bin/streamgate']] as const) {
      const archive = path.join(root, `${name}.tar`);
      const fd = fs.openSync(archive, 'w');
      const tar = new TarWriter((chunk) => fs.writeSync(fd, chunk));
      tar.file('manifest.json', Buffer.from(JSON.stringify({ format: 'streamgate-backup/1', version: '0.1.0', createdAt: new Date().toISOString(), database, withMedia: true })), Date.now());
      tar.file('secret', Buffer.from('not really'), Date.now());
      tar.file(evil, Buffer.from('gotcha'), Date.now());
      tar.finish();
      fs.closeSync(fd);

      const restored = path.join(root, `restored-${name}`);
      t.after(() => dropTestDatabase(restored));
      const refused = await runCli(['restore', archive], { dataDir: restored });
      assert.equal(refused.code, 2, `${name}: ${refused.stderr}`);
      assert.match(refused.stderr, /is not a usable StreamGate backup: .*(refused|unexpected entry)/);
      assert.equal(fs.existsSync(restored), false);
    }
    assert.deepEqual(fs.readdirSync(root).sort(), ['absolute.tar', 'parent.tar', 'unknown.tar'], 'nothing escaped, no staging folder left');
    assert.equal(fs.existsSync(path.join(path.dirname(root), 'escaped')), false);
  });
});
