import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from './config.js';
import { LiveKeyring } from './live-keyring.js';
import { silentLog } from './log.js';
import { ensureSecretFile, rotateSigningKey, secretPath } from './secret-store.js';

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
});
