import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/core/config.js';
import { openDatabase, writeTransaction } from '../../src/core/db/database.js';
import { HlsKeyStore } from '../../src/core/hls-keys/hls-key-store.js';
import { loadKeyring } from '../../src/core/secret-store.js';
import { initialisedDataDir, json, runCli } from '../helpers/cli.js';
import { testDatabaseEnv } from '../helpers/test-database.js';

/** An encrypted rehearsal's leftovers: a recording under hls/conf and two sealed keys; another event's key beside them. */
async function rehearsed(t: { after(fn: () => unknown): void }) {
  const dataDir = await initialisedDataDir(t);
  assert.equal((await runCli(['events', 'create', '--title', 'Other', '--id', 'other'], { dataDir })).code, 0);
  const hls = path.join(dataDir, 'hls', 'conf');
  fs.mkdirSync(hls, { recursive: true });
  fs.writeFileSync(path.join(hls, 'index.m3u8'), '#EXTM3U\n');
  fs.writeFileSync(path.join(hls, 'seg_00000.ts'), Buffer.alloc(188 * 16));
  const config = loadConfig({ STREAMGATE_DATA_DIR: dataDir, ...(await testDatabaseEnv(dataDir)) });
  const keys = new HlsKeyStore(dataDir, loadKeyring(config));
  keys.create('conf');
  keys.create('conf');
  const kept = keys.create('other');
  return { dataDir, config, hls, keys, kept };
}

describe('events reset-recording', () => {
  it("deletes the recording and the event's sealed AES-128 keys, and no other event's; nothing left behind", async (t) => {
    const { dataDir, hls, keys, kept } = await rehearsed(t);
    const reset = await runCli(['events', 'reset-recording', 'conf', '--yes', '--json'], { dataDir });
    assert.equal(reset.code, 0, reset.stderr);
    assert.equal(json(reset).files, 2);
    assert.equal(fs.existsSync(hls), false);
    assert.deepEqual(keys.list('conf'), [], 'keys that opened only the deleted segments are gone');
    assert.deepEqual(keys.read('other', kept.keyId), kept.key, 'another event keeps its keys');
    assert.deepEqual(fs.readdirSync(path.join(dataDir, 'keys')), ['other'], 'no trash folder left in data/keys');
    assert.deepEqual(fs.readdirSync(path.join(dataDir, 'hls')), [], 'no trash folder left in data/hls');
  });

  it('refuses a live event (exit 2, like every refused request) and keeps its recording and keys', async (t) => {
    const { dataDir, config, hls, keys } = await rehearsed(t);
    const db = await openDatabase(config);
    try {
      await writeTransaction(db, (trx) => trx.updateTable('events').set({ status: 'live' }).where('id', '=', 'conf').execute());
    } finally {
      await db.destroy();
    }
    const reset = await runCli(['events', 'reset-recording', 'conf', '--yes'], { dataDir });
    assert.equal(reset.code, 2);
    assert.match(reset.stderr, /live/);
    assert.ok(fs.existsSync(path.join(hls, 'seg_00000.ts')));
    assert.equal(keys.list('conf').length, 2);
  });
});
