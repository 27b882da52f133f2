import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { initialisedDataDir, json, runCli } from '../helpers/cli.js';
import { testDatabaseKind } from '../helpers/test-database.js';

describe('streamgate doctor', () => {
  it('passes on a fresh install', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const result = await runCli(['doctor', '--json'], { dataDir }); // a busy port is only a warning
    const report = json(result);
    assert.equal(result.code, 0, result.stdout);
    assert.equal(report.ok, true);
    // PostgreSQL adds a check of LISTEN/NOTIFY (the revocation push), after the database's.
    const push = testDatabaseKind() === 'postgres' ? ['revocation push'] : [];
    assert.deepEqual(report.checks.map((c: { name: string }) => c.name), ['data directory', 'file modes', 'secret', 'database', ...push, 'active key', 'leftover files', 'free disk', 'recording space', 'ffmpeg', 'platform port', 'edge port', 'rtmp port']);
  });

  it('fails (exit 1) when the secret is readable by others, and says how to fix it', async (t) => {
    const dataDir = await initialisedDataDir(t);
    fs.chmodSync(path.join(dataDir, 'secret'), 0o644);
    const result = await runCli(['doctor', '--json'], { dataDir });
    assert.equal(result.code, 1);
    const secret = json(result).checks.find((c: { name: string }) => c.name === 'secret');
    assert.equal(secret.status, 'fail');
    assert.match(secret.detail, /mode 0644: chmod 600/);
    assert.match(result.stderr, /^streamgate: (a check|\d+ checks) failed: .*\bsecret\b/m, 'an exit 1 says why on stderr');
  });

  it('fails when FFmpeg is missing', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const result = await runCli(['doctor', '--json'], { dataDir, env: { FFMPEG_PATH: '/nonexistent/ffmpeg' } });
    assert.equal(result.code, 1);
    assert.equal(json(result).checks.find((c: { name: string }) => c.name === 'ffmpeg').status, 'fail');
  });
});

describe('streamgate keys rotate', () => {
  it('adds a current key and keeps the old one for verification', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const before = JSON.parse(fs.readFileSync(path.join(dataDir, 'secret'), 'utf8'));
    const result = await runCli(['keys', 'rotate', '--json'], { dataDir });
    assert.equal(result.code, 0, result.stderr);
    const after = JSON.parse(fs.readFileSync(path.join(dataDir, 'secret'), 'utf8'));
    assert.equal(after.currentKid, json(result).kid);
    assert.notEqual(after.currentKid, before.currentKid);
    assert.deepEqual(after.keys.map((k: { kid: string }) => k.kid), [before.currentKid, after.currentKid]);
    assert.equal(after.pepper, before.pepper, 'codes keep working');
    assert.equal(fs.statSync(path.join(dataDir, 'secret')).mode & 0o777, 0o600);
  });
});
