import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from './config.js';
import { LiveKeyring } from './live-keyring.js';
import { createLog, silentLog } from './log.js';
import { addSigningKey, ensureSecretFile, rotateSigningKey, secretPath } from './secret-store.js';
import type { SharedKeyState } from './signing-keys.js';

function setup(t: { after(fn: () => void): void }) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamgate-keys-'));
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const config = loadConfig({ STREAMGATE_DATA_DIR: dataDir });
  ensureSecretFile(config);
  return config;
}

describe('LiveKeyring', () => {
  it('verifies with a rotated key at once but signs with it only after the adoption delay', (t) => {
    const config = setup(t);
    const keyring = LiveKeyring.forPlatform(config, silentLog);
    t.after(() => keyring.stop());
    const old = keyring.current.kid;
    const { kid } = rotateSigningKey(config);
    const now = Date.now();
    keyring.check(now);
    assert.ok(keyring.byKid.has(kid), 'the new key verifies at once');
    assert.equal(keyring.current.kid, old, 'still signing with the old key');
    keyring.check(now + 3_000);
    assert.equal(keyring.current.kid, kid);
    assert.ok(keyring.byKid.has(old), 'the old key still verifies');
  });

  it('keeps the loaded keys when the file becomes unreadable', (t) => {
    const config = setup(t);
    const keyring = LiveKeyring.forEdge(config, silentLog);
    t.after(() => keyring.stop());
    const kid = keyring.current.kid;
    fs.writeFileSync(secretPath(config), 'not json', { mode: 0o600 });
    keyring.check();
    assert.equal(keyring.current.kid, kid);
  });

  it("follows the database's active key once it holds it, and drops keys revoked there", async (t) => {
    const config = setup(t);
    let shared: SharedKeyState = { activeKid: null, revoked: new Set() };
    const keyring = LiveKeyring.forPlatform(config, silentLog, async () => shared);
    t.after(() => keyring.stop());
    const first = keyring.current.kid;
    const now = Date.now();
    shared = { activeKid: 'k000000000000', revoked: new Set() };
    await keyring.sync(now);
    await keyring.sync(now + 10_000);
    assert.equal(keyring.current.kid, first, 'a key this host does not hold is never signed with');
    assert.match(keyring.problem ?? '', /k000000000000 .* is not in .* still signing with/);

    const { kid } = addSigningKey(config);
    shared = { activeKid: kid, revoked: new Set() };
    await keyring.sync(now + 11_000);
    assert.ok(keyring.byKid.has(kid), 'an added key verifies at once');
    assert.equal(keyring.current.kid, first, 'and signs only after the adoption delay');
    assert.equal(keyring.problem, null);
    await keyring.sync(now + 14_000);
    assert.equal(keyring.current.kid, kid);

    shared = { activeKid: kid, revoked: new Set([first]) };
    await keyring.sync(now + 15_000);
    assert.equal(keyring.byKid.has(first), false, 'revoked in the database: verifies nothing here, whatever the file says');
  });

  it('re-reads a changed data/secret on its own within 750 ms: keys revoke promises every service refuses a key within a second', async (t) => {
    const config = setup(t);
    const keyring = LiveKeyring.forPlatform(config, silentLog);
    t.after(() => keyring.stop());
    const { kid } = addSigningKey(config);
    const deadline = Date.now() + 750;
    while (!keyring.byKid.has(kid) && Date.now() < deadline) await sleep(10);
    assert.ok(keyring.byKid.has(kid), 'the timer re-read the changed file within 750 ms');
  });

  it('warns once while the database cannot be read, and says when it can again', async (t) => {
    const config = setup(t);
    const lines: string[] = [];
    let failing = true;
    const keyring = LiveKeyring.forPlatform(config, createLog('platform', (line) => lines.push(line)), async () => {
      if (failing) throw new Error('connection refused');
      return { activeKid: null, revoked: new Set() };
    });
    t.after(() => keyring.stop());
    for (let i = 0; i < 4; i++) await keyring.sync();
    failing = false;
    await keyring.sync();
    await keyring.sync();
    const messages = lines.map((line) => JSON.parse(line).message as string).filter((m) => /active signing key/.test(m));
    assert.deepEqual(messages, ['cannot read the active signing key from the database; keeping the last known', 'reading the active signing key from the database again']);
  });
});
