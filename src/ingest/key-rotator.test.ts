import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSecretKey, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { HlsKeyStore } from '../core/hls-keys/hls-key-store.js';
import { withServedKeyUris } from '../core/hls-keys/served-key-uri.js';
import { KeyRotator, removeStaleKeyWork } from './key-rotator.js';
import { liveHlsArgs } from './hls-output.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamgate-keys-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const pepper = () => ({ pepper: createSecretKey(randomBytes(32)) });

describe('HlsKeyStore', () => {
  it('seals each key in data/keys (0600 files, 0700 folders) and opens it only with the same pepper', (t) => {
    const dataDir = tempDir(t);
    const keyring = pepper();
    const store = new HlsKeyStore(dataDir, keyring);
    const { keyId, key } = store.create('enc');
    assert.match(keyId, /^[0-9a-f]{16}$/);
    assert.equal(key.length, 16);
    const file = path.join(dataDir, 'keys', 'enc', keyId);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
    assert.ok(!fs.readFileSync(file).includes(key) && !fs.readFileSync(file, 'utf8').includes(key.toString('base64')));
    assert.deepEqual(store.read('enc', keyId), key);
    assert.deepEqual(new HlsKeyStore(dataDir, keyring).list('enc'), [keyId]);
    assert.equal(new HlsKeyStore(dataDir, pepper()).read('enc', keyId), null, 'another data/secret opens nothing');
    for (const [eventId, id] of [['conf', keyId], ['enc', '0000000000000000'], ['enc', '../../secret'], ['../enc', keyId], ['enc', keyId.toUpperCase()]]) {
      assert.equal(store.read(eventId!, id!), null, `${eventId}/${id}`);
    }
  });
});

describe('KeyRotator', () => {
  it('writes the key info FFmpeg reads, keeps the current and previous plain keys only, and removes its folder on stop', (t) => {
    const dataDir = tempDir(t);
    const store = new HlsKeyStore(dataDir, pepper());
    const work = path.join(dataDir, 'key-work');
    const rotator = new KeyRotator(store, 'enc', work);
    rotator.start();
    const [own] = fs.readdirSync(work);
    assert.equal(fs.statSync(path.join(work, own!)).mode & 0o777, 0o700);
    const ids = [store.list('enc')[0]!, rotator.rotate(), rotator.rotate()];
    const [uri, keyFile, iv] = fs.readFileSync(rotator.keyInfoFile, 'utf8').split('\n');
    assert.equal(keyFile, path.join(work, own!, `${ids[2]}.key`));
    assert.equal(uri, keyFile, 'the URI FFmpeg writes is the plain file (rewritten when served)');
    assert.match(iv!, /^[0-9a-f]{32}$/);
    assert.deepEqual(fs.readFileSync(keyFile!), store.read('enc', ids[2]!));
    assert.deepEqual(fs.readdirSync(path.join(work, own!)).sort(), [`${ids[1]}.key`, `${ids[2]}.key`, 'keyinfo'].sort());
    rotator.stop();
    assert.deepEqual(fs.readdirSync(work), []);
    assert.equal(store.list('enc').length, 3, 'the sealed keys stay for the edge');
  });

  it('removes the folders of processes that are gone and leaves those of live ones', (t) => {
    const work = tempDir(t);
    const child = spawn(process.execPath, ['-e', '']);
    const dead = new Promise((resolve) => child.on('close', resolve));
    return dead.then(() => {
      fs.mkdirSync(path.join(work, `enc.${child.pid}.0123abcd`));
      fs.mkdirSync(path.join(work, `enc.${process.pid}.0123abcd`));
      assert.equal(removeStaleKeyWork(work), 1);
      assert.deepEqual(fs.readdirSync(work), [`enc.${process.pid}.0123abcd`]);
    });
  });
});

describe('encrypted live output', () => {
  it('hands FFmpeg the key info file with periodic_rekey, in the recording and the window forms', () => {
    for (const window of [null, 600]) {
      const args = liveHlsArgs('/d', [], 2, { video: 'copy', audio: 'copy' }, window, '/k/keyinfo');
      assert.equal(args[args.indexOf('-hls_key_info_file') + 1], '/k/keyinfo');
      assert.match(args[args.indexOf('-hls_flags') + 1]!, /\+periodic_rekey$/);
    }
    assert.ok(!liveHlsArgs('/d', [], 2, { video: 'copy', audio: 'copy' }).includes('-hls_key_info_file'));
  });

  it('serves key URIs as the edge\'s /keys/<eventId>/<keyId>, leaving other lines alone', () => {
    const ffmpeg = '#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI="/data/key-work/enc.1.0123abcd/0123456789abcdef.key",IV=0x00\n#EXTINF:2.0,\nseg_00000.ts\n';
    assert.equal(withServedKeyUris(ffmpeg, 'enc'), '#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI="/keys/enc/0123456789abcdef",IV=0x00\n#EXTINF:2.0,\nseg_00000.ts\n');
    assert.equal(withServedKeyUris('#EXTM3U\nseg.ts\n', 'enc'), '#EXTM3U\nseg.ts\n');
  });
});
