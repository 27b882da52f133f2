import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BIN, codesFromCsv, initialisedDataDir, json, runCli } from '../helpers/cli.js';
import { testDatabaseEnv } from '../helpers/test-database.js';

const listCodes = async (dataDir: string) => json(await runCli(['tokens', 'list', '--event', 'conf', '--json'], { dataDir }));
const tempFiles = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));

describe('tokens create|rotate --out and an existing file', () => {
  it('create refuses an existing file (exit 2, naming --force) before issuing any code; --force replaces it', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const out = path.join(dataDir, '..', 'codes.csv');
    fs.writeFileSync(out, 'code,event_id,expires_at,label\r\nEARLIERBATCH,conf,,\r\n');
    const refused = await runCli(['tokens', 'create', '--event', 'conf', '--count', '5', '--out', out], { dataDir });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /^streamgate: --out: .*codes\.csv already exists.*--force/);
    assert.match(fs.readFileSync(out, 'utf8'), /EARLIERBATCH/, 'the earlier file is untouched');
    assert.deepEqual(await listCodes(dataDir), [], 'no code was issued');

    const forced = await runCli(['tokens', 'create', '--event', 'conf', '--count', '5', '--out', out, '--force'], { dataDir });
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(codesFromCsv(fs.readFileSync(out, 'utf8')).length, 5);
    assert.equal(fs.statSync(out).mode & 0o777, 0o600);
    assert.equal((await listCodes(dataDir)).length, 5);
    assert.deepEqual(tempFiles(path.dirname(out)), []);
  });

  it('rotate refuses an existing file before revoking or issuing anything; --force replaces it', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const out = path.join(dataDir, '..', 'rotated.csv');
    await runCli(['tokens', 'create', '--event', 'conf', '--count', '3'], { dataDir });
    fs.writeFileSync(out, 'earlier\n');
    const refused = await runCli(['tokens', 'rotate', '--event', 'conf', '--out', out, '--json'], { dataDir });
    assert.equal(refused.code, 2, refused.stderr);
    assert.equal(json(refused).error.code, 'out_exists');
    assert.match(refused.stderr, /--force/);
    assert.equal(fs.readFileSync(out, 'utf8'), 'earlier\n');
    const codes = await listCodes(dataDir);
    assert.equal(codes.length, 3);
    assert.ok(codes.every((c: { status: string }) => c.status === 'active'), 'nothing revoked');

    const forced = await runCli(['tokens', 'rotate', '--event', 'conf', '--out', out, '--force'], { dataDir });
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(codesFromCsv(fs.readFileSync(out, 'utf8')).length, 3);
  });
});

describe('temporary files left by a killed tokens create --out', () => {
  it('doctor reports them and the next tokens create removes them, but never a live writer\'s', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const dir = path.dirname(dataDir);
    const out = path.join(dir, 'big.csv');
    const env = { ...process.env, STREAMGATE_DATA_DIR: dataDir, NO_COLOR: '1', ...(await testDatabaseEnv(dataDir)) };
    const writer = spawn(process.execPath, [BIN, 'tokens', 'create', '--event', 'conf', '--count', '200000', '--out', out], { env, stdio: 'ignore' });
    const closed = new Promise((resolve) => writer.on('close', resolve));
    t.after(() => writer.kill('SIGKILL'));
    // The codes reach the file only once all are stored, and for a moment: look often.
    let leftover: string | undefined;
    const deadline = Date.now() + 120_000;
    while (!leftover && writer.exitCode === null && Date.now() < deadline) {
      const [name] = tempFiles(dir);
      if (name && fs.statSync(path.join(dir, name), { throwIfNoEntry: false })?.size) leftover = path.join(dir, name);
      else await new Promise((r) => setTimeout(r, 1));
    }
    writer.kill('SIGKILL');
    await closed;
    assert.ok(leftover && fs.existsSync(leftover), 'kill -9 while writing codes leaves the temporary file');
    assert.ok(!fs.existsSync(out));
    // A concurrent writer's file (this test process is alive) and another program's file look alike
    // but are not ours to remove.
    const live = path.join(dir, `.other.csv.${process.pid}-0123456789ab.tmp`);
    const foreign = path.join(dir, '.notes.txt.tmp');
    fs.writeFileSync(live, 'x');
    fs.writeFileSync(foreign, 'x');

    const doctor = await runCli(['doctor', '--json'], { dataDir, cwd: dir });
    const check = json(doctor).checks.find((c: { name: string }) => c.name === 'leftover files');
    assert.equal(check.status, 'warn');
    assert.ok(check.detail.includes(leftover), check.detail);
    assert.ok(!check.detail.includes(live), 'a live writer\'s file is not stale');
    assert.ok(fs.existsSync(leftover), 'doctor only reports');
    assert.ok(json(doctor).checks.some((c: { name: string }) => c.name === 'free disk'), 'doctor checks free disk space');

    const next = await runCli(['tokens', 'create', '--event', 'conf', '--count', '2', '--out', path.join(dir, 'next.csv')], { dataDir });
    assert.equal(next.code, 0, next.stderr);
    assert.match(next.stderr, new RegExp(`removed ${leftover.replace(/[.]/g, '\\.')}`));
    assert.ok(!fs.existsSync(leftover), 'the stale file is gone');
    assert.ok(fs.existsSync(live) && fs.existsSync(foreign), 'other files stay');
    assert.equal(codesFromCsv(fs.readFileSync(path.join(dir, 'next.csv'), 'utf8')).length, 2);
  });
});
