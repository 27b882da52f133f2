import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { BIN, initialisedDataDir, json, runCli } from '../helpers/cli.js';
import { startTestPlatform } from '../helpers/platform.js';
import { testDatabaseEnv } from '../helpers/test-database.js';

describe('streamgate apikeys', () => {
  it('creates a key shown once, lists it without the key, and a revoked key fails at once', async (t) => {
    const platform = await startTestPlatform(t);
    const dataDir = platform.dataDir;
    const created = await runCli(['apikeys', 'create', '--name', 'ticket shop', '--allow-ip', '127.0.0.1', '10.0.0.0/8', '--json'], { dataDir });
    assert.equal(created.code, 0, created.stderr);
    const { id, key } = json(created);
    assert.deepEqual(Object.keys(json(created)).sort(), ['id', 'key']);
    assert.match(key, /^sk_[A-Za-z0-9_-]{43}$/);
    const call = () => fetch(`${platform.url}/api/admin/events`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal((await call()).status, 200);

    const listed = await runCli(['apikeys', 'list', '--json'], { dataDir });
    assert.ok(!listed.stdout.includes(key));
    const [view] = json(listed);
    for (const field of ['id', 'name', 'scope', 'eventId', 'createdAt', 'lastUsedAt', 'revokedAt']) assert.ok(field in view, field);
    assert.equal(view.id, id);
    assert.ok(view.lastUsedAt);

    assert.equal((await runCli(['apikeys', 'revoke', id], { dataDir })).code, 0);
    assert.equal((await call()).status, 401);
  });

  it('refuses bad usage with exit 2', async (t) => {
    const dataDir = await initialisedDataDir(t);
    for (const args of [
      ['--name', 'x', '--scope', 'event'],
      ['--name', 'x', '--scope', 'event', '--event', 'nope'],
      ['--name', 'x', '--allow-ip', '10.0.0.0/40'],
      ['--name', 'x', '--scope', 'everything'],
    ]) {
      const result = await runCli(['apikeys', 'create', ...args], { dataDir });
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /^streamgate: /);
    }
    assert.equal((await runCli(['apikeys', 'create', '--name', 'conf', '--scope', 'event', '--event', 'conf'], { dataDir })).code, 0);
  });
});

describe('streamgate sessions', () => {
  it('lists the sessions playing now and ends one', async (t) => {
    const platform = await startTestPlatform(t);
    const [code] = await platform.codes(1);
    const grant = await platform.post('/api/tokens/validate', { code, deviceId: 'device-0001' });
    const listed = json(await runCli(['sessions', 'list', '--event', 'conf', '--json'], { dataDir: platform.dataDir }));
    assert.deepEqual(listed.map((s: any) => s.id), [grant.json.sessionId]);
    const ended = await runCli(['sessions', 'end', grant.json.sessionId], { dataDir: platform.dataDir });
    assert.equal(ended.code, 0, ended.stderr);
    assert.deepEqual(json(await runCli(['sessions', 'list', '--json'], { dataDir: platform.dataDir })), []);
    assert.equal((await runCli(['sessions', 'end', 'nope'], { dataDir: platform.dataDir })).code, 2);
  });
});

describe('streamgate admin', () => {
  it('sets a console password from stdin (never argv) and turns on TOTP after a matching code', async (t) => {
    const platform = await startTestPlatform(t);
    const dataDir = platform.dataDir;
    const short = await runCli(['admin', 'set-password', '--user', 'alice'], { dataDir, input: 'short\n' });
    assert.equal(short.code, 2);
    const set = await runCli(['admin', 'set-password', '--user', 'alice'], { dataDir, input: 'a long enough password\n' });
    assert.equal(set.code, 0, set.stderr);
    const login = (totp?: string) => fetch(`${platform.url}/api/admin/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'a long enough password', totp }),
    });
    assert.equal((await login()).status, 200);

    // The command prints a QR code and the otpauth URI, then waits for a code from the app on stdin.
    const child = spawn(process.execPath, [BIN, 'admin', '2fa', 'enable', '--user', 'alice'], {
      env: { ...process.env, STREAMGATE_DATA_DIR: dataDir, ...(await testDatabaseEnv(dataDir)) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    const uri = await new Promise<string>((resolve) => child.stdout.on('data', (d) => {
      stdout += d;
      const match = /^(otpauth:\/\/totp\/\S+)$/m.exec(stdout);
      if (match) resolve(match[1]!);
    }));
    assert.match(stdout, /[▀▄█]{10}/, 'a QR code drawn in the terminal');
    const secret = new URL(uri).searchParams.get('secret')!;
    const totp = new TOTP({ secret: Secret.fromBase32(secret) });
    child.stdin.end(`${totp.generate()}\n`);
    assert.equal(await new Promise((resolve) => child.on('close', resolve)), 0);

    const refused = await login();
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as any).error.code, 'totp_required');
    assert.equal((await login(totp.generate())).status, 200);
    assert.equal((await runCli(['admin', '2fa', 'disable', '--user', 'alice'], { dataDir })).code, 0);
    assert.equal((await login()).status, 200);
  });
});
