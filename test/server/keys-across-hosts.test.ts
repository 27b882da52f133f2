import assert from 'node:assert/strict';
import { createSecretKey } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { systemClock } from '../../src/core/clock.js';
import { loadConfig } from '../../src/core/config.js';
import { openDatabase } from '../../src/core/db/database.js';
import { LiveKeyring } from '../../src/core/live-keyring.js';
import { createLog } from '../../src/core/log.js';
import { EDGE_AUDIENCE, signToken } from '../../src/core/playback-token.js';
import { sharedKeyState } from '../../src/core/signing-keys.js';
import { createPlatformApp } from '../../src/server/app.js';
import { waitFor } from '../helpers/appliance.js';
import { json, runCli, tempDir } from '../helpers/cli.js';
import { dropTestDatabase, testDatabaseEnv } from '../helpers/test-database.js';

// Two platform hosts, each with its own data directory (its own copy of data/secret), sharing one
// database: rotating keys with `keys add`, copying data/secret, `keys activate`.

interface Host {
  dataDir: string;
  env: Record<string, string>;
  url: string;
  logLines: string[];
}

const kidOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;

async function startHost(t: { after(fn: () => unknown): void }, dataDir: string, env: Record<string, string>): Promise<Host> {
  const config = loadConfig({ STREAMGATE_DATA_DIR: dataDir, ...env });
  const db = await openDatabase(config);
  const logLines: string[] = [];
  const log = createLog('platform', (line) => logLines.push(line));
  const keyring = LiveKeyring.forPlatform(config, log, () => sharedKeyState(db));
  await keyring.sync();
  const platform = createPlatformApp({ config, db, keyring, clock: systemClock, log });
  const server = http.createServer(platform.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    keyring.stop();
    platform.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await db.destroy();
  });
  return { dataDir, env, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, logLines };
}

function copySecret(from: Host, to: Host): void {
  const target = path.join(to.dataDir, 'secret');
  fs.copyFileSync(path.join(from.dataDir, 'secret'), `${target}.tmp`);
  fs.renameSync(`${target}.tmp`, target); // as an operator's scp/rsync would, in one step
}

async function setup(t: { after(fn: () => unknown): void }) {
  const root = tempDir();
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const [dirA, dirB] = [path.join(root, 'a'), path.join(root, 'b')];
  assert.equal((await runCli(['init', '--yes'], { dataDir: dirA })).code, 0);
  assert.equal((await runCli(['events', 'create', '--title', 'Conf', '--id', 'conf'], { dataDir: dirA })).code, 0);
  const created = await runCli(['tokens', 'create', '--event', 'conf', '--count', '20', '--json'], { dataDir: dirA });
  const codes = (json(created) as { code: string }[]).map((c) => c.code);
  fs.mkdirSync(dirB, { mode: 0o700 });
  fs.copyFileSync(path.join(dirA, 'secret'), path.join(dirB, 'secret'));
  // a's database (in the PostgreSQL pass, the one made for a's data directory), used by both hosts.
  const ofA = await testDatabaseEnv(dirA);
  t.after(() => Promise.all([dropTestDatabase(dirA), dropTestDatabase(dirB)]));
  const shared = ofA.DATABASE_URL ? ofA : { DATABASE_URL: `sqlite:${path.join(dirA, 'streamgate.db')}` };
  const a = await startHost(t, dirA, ofA);
  const b = await startHost(t, dirB, shared);
  let next = 0;
  /** A fresh code's token from `host`: the kid it signs with now. */
  const signingKid = async (host: Host) => {
    const response = await fetch(`${host.url}/api/tokens/validate`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ code: codes[next++ % codes.length], deviceId: 'device-aaaa' }),
    });
    const grant = (await response.json()) as { token: string; sessionId: string };
    assert.equal(response.status, 200);
    return { kid: kidOf(grant.token), token: grant.token, sessionId: grant.sessionId };
  };
  return { a, b, signingKid };
}

async function heartbeat(host: Host, grant: { token: string; sessionId: string }): Promise<number> {
  const response = await fetch(`${host.url}/api/sessions/heartbeat`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${grant.token}` },
    body: JSON.stringify({ sessionId: grant.sessionId }),
  });
  return response.status;
}

describe('signing keys on several hosts sharing one database', () => {
  it('keys add → copy data/secret → keys activate: both hosts sign with the new key, and each verifies the other', async (t) => {
    const { a, b, signingKid } = await setup(t);
    const oldKid = (await signingKid(a)).kid;
    assert.equal((await signingKid(b)).kid, oldKid);

    const added = await runCli(['keys', 'add', '--json'], { dataDir: a.dataDir });
    assert.equal(added.code, 0, added.stderr);
    const { kid } = json(added) as { kid: string };
    const listed = json(await runCli(['keys', 'list', '--json'], { dataDir: a.dataDir })) as { kid: string; status: string }[];
    assert.deepEqual(listed.map((k) => [k.kid, k.status]), [[oldKid, 'active'], [kid, 'added']]);
    copySecret(a, b);
    await new Promise((r) => setTimeout(r, 1_500));
    assert.deepEqual([(await signingKid(a)).kid, (await signingKid(b)).kid], [oldKid, oldKid], 'added, not active: nobody signs with it');

    const activated = await runCli(['keys', 'activate', kid, '--json'], { dataDir: b.dataDir, env: b.env });
    assert.equal(activated.code, 0, activated.stderr);
    for (const host of [a, b]) await waitFor(`${host.dataDir} to sign with ${kid}`, async () => (await signingKid(host)).kid === kid, 8_000);
    const [fromA, fromB] = [await signingKid(a), await signingKid(b)];
    assert.deepEqual([await heartbeat(b, fromA), await heartbeat(a, fromB)], [200, 200], "each host verifies the other's tokens");
    assert.equal((await (await fetch(`${a.url}/healthz`)).json() as { status: string }).status, 'ok');

    // An edge on a host whose data/secret still names the old key current signs its feed tokens
    // with it: b's file has it retired, and b still lets that edge in (a revoked key it would not).
    const secretOfA = JSON.parse(fs.readFileSync(path.join(a.dataDir, 'secret'), 'utf8')) as { currentKid: string; keys: { kid: string; secret: string }[] };
    assert.equal(secretOfA.currentKid, oldKid, "a's own file was not touched by the activation on b");
    const oldKey = { kid: oldKid, key: createSecretKey(Buffer.from(secretOfA.keys.find((k) => k.kid === oldKid)!.secret, 'base64')) };
    // Signed 25 s ahead (within the clock tolerance): more than the 10 s a retired key may still sign.
    const edgeToken = signToken(oldKey, EDGE_AUDIENCE, {}, Date.now() + 25_000, 60).token;
    const feed = await fetch(`${b.url}/api/revocations?since=0`, { headers: { Authorization: `Bearer ${edgeToken}` } });
    assert.equal(feed.status, 200);
  });

  it('a host whose data/secret lacks the active key keeps signing with its own, and says so in /healthz, its log and doctor', async (t) => {
    const { a, b, signingKid } = await setup(t);
    const oldKid = (await signingKid(b)).kid;
    const { kid } = json(await runCli(['keys', 'add', '--json'], { dataDir: a.dataDir })) as { kid: string };
    const activated = await runCli(['keys', 'activate', kid], { dataDir: a.dataDir }); // without copying data/secret to b
    assert.equal(activated.code, 0, activated.stderr);
    await waitFor(`a to sign with ${kid}`, async () => (await signingKid(a)).kid === kid, 8_000);
    const health = await waitFor('b to report the missing key', async () => {
      const body = (await (await fetch(`${b.url}/healthz`)).json()) as { status: string; problems?: string[] };
      return body.status === 'degraded' && body;
    }, 10_000);
    assert.match(health.problems![0]!, new RegExp(`signing key ${kid} .* not in .* still signing with ${oldKid}`));
    assert.equal((await signingKid(b)).kid, oldKid, 'b never signs with a key it cannot verify');
    assert.ok(b.logLines.some((line) => line.includes('active signing key missing on this host')));
    const doctor = await runCli(['doctor', '--json'], { dataDir: b.dataDir, env: b.env });
    const check = (json(doctor) as { checks: { name: string; status: string; detail: string }[] }).checks.find((c) => c.name === 'active key')!;
    assert.equal(check.status, 'fail');
    assert.match(check.detail, new RegExp(`${kid} \\(active in the database\\) is not in`));

    copySecret(a, b);
    await waitFor(`b to sign with ${kid} once it holds it`, async () => (await signingKid(b)).kid === kid, 8_000);
    assert.equal(((await (await fetch(`${b.url}/healthz`)).json()) as { status: string }).status, 'ok');
  });

  it('keys rotate on one host still works in one step', async (t) => {
    const { a, signingKid } = await setup(t);
    const rotated = await runCli(['keys', 'rotate', '--json'], { dataDir: a.dataDir });
    assert.equal(rotated.code, 0, rotated.stderr);
    const { kid } = json(rotated) as { kid: string };
    await waitFor(`a to sign with ${kid}`, async () => (await signingKid(a)).kid === kid, 8_000);
  });
});
