import assert from 'node:assert/strict';
import { createSecretKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { writeFileAtomic } from '../../src/core/atomic-file.js';
import { createLog } from '../../src/core/log.js';
import { signPlaybackToken } from '../../src/core/playback-token.js';
import type { SigningKey } from '../../src/core/secret-store.js';
import { startEdge } from '../../src/edge/start.js';
import { waitFor } from '../helpers/appliance.js';
import { json, runCli } from '../helpers/cli.js';
import { makeVodFixture, startTestEdge } from '../helpers/edge.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

// Signing keys after `keys rotate` and `keys revoke`, on the platform (heartbeat), an edge on the
// same host following data/secret (stand-alone, and mounted under the platform), and a remote edge
// that loaded its keys once and learns only through the revocation feed.

type SecretFile = { currentKid: string; keys: { kid: string; secret?: string; retiredAt?: string; revokedAt?: string }[] };

async function setup(t: { after(fn: () => unknown): void }) {
  const platform = await startTestPlatform(t, {}, { mountEdge: true, liveKeys: true });
  makeVodFixture(platform.dataDir);
  const log = createLog('edge', () => undefined);
  const local = await startEdge({ ...platform.config, edgePort: 0, platformUrl: platform.url }, log);
  t.after(() => local.stop());
  const remote = await startTestEdge(t, platform); // keys loaded once, as from a copied secret
  const [code] = await platform.codes(1);
  const { json: grant } = await platform.post('/api/tokens/validate', { code, deviceId: 'device-aaaa' });
  return { platform, local, remote, sessionId: grant.sessionId as string, token: grant.token as string };
}

const secretFile = (platform: TestPlatform) => path.join(platform.dataDir, 'secret');
const readSecret = (platform: TestPlatform) => JSON.parse(fs.readFileSync(secretFile(platform), 'utf8')) as SecretFile;
const kidOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;

function keyFromFile(platform: TestPlatform, kid: string): SigningKey {
  const entry = readSecret(platform).keys.find((k) => k.kid === kid)!;
  return { kid, key: createSecretKey(Buffer.from(entry.secret!, 'base64')) };
}

/** The statuses of one token: the stand-alone edge, the mounted edge, the remote edge, a heartbeat. */
async function statuses(s: Awaited<ReturnType<typeof setup>>, token: string) {
  const get = async (base: string) => (await fetch(`${base}/streams/conf/index.m3u8`, { headers: { authorization: `Bearer ${token}` } })).status;
  const heartbeat = await s.platform.post('/api/sessions/heartbeat', { sessionId: s.sessionId }, { Authorization: `Bearer ${token}` });
  return { local: await get(s.local.url), mounted: await get(s.platform.url), remote: await get(s.remote.url), heartbeat: heartbeat.status };
}

const refused = (status: number) => status === 401 || status === 403;

describe('streamgate keys rotate: a retired key retires', () => {
  it("keeps verifying its tokens just after the rotation, and verifies nothing it signs once they could have expired", async (t) => {
    const s = await setup(t);
    const oldKid = kidOf(s.token);
    const rotated = await runCli(['keys', 'rotate', '--json'], { dataDir: s.platform.dataDir });
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.deepEqual(json(rotated).retired, [oldKid]);
    const oldKey = keyFromFile(s.platform, oldKid);
    const mint = () => signPlaybackToken(oldKey, { codeId: 'c', eventId: 'conf', sessionId: s.sessionId }, Date.now(), 300).token;

    // The services notice the file within a second; the old key's tokens still play meanwhile.
    await new Promise((r) => setTimeout(r, 1_500));
    assert.deepEqual(await statuses(s, s.token), { local: 200, mounted: 200, remote: 200, heartbeat: 200 });

    // As if the rotation had been two hours ago: a token the old key signs now is a leaked key minting.
    const secret = readSecret(s.platform);
    secret.keys.find((k) => k.kid === oldKid)!.retiredAt = new Date(Date.now() - 2 * 3_600_000).toISOString();
    writeFileAtomic(secretFile(s.platform), `${JSON.stringify(secret, null, 2)}\n`, 0o600);
    const minted = await waitFor('the services to reload data/secret', async () => {
      const token = mint();
      const now = await statuses(s, token);
      return refused(now.local) && refused(now.mounted) && now.heartbeat === 401 && now;
    }, 5_000);
    assert.equal(minted.remote, 200, 'a remote edge with keys loaded once cannot know (revoke the key to reach it)');

    const list = await runCli(['keys', 'list', '--json'], { dataDir: s.platform.dataDir });
    assert.equal(list.code, 0, list.stderr);
    const keys = json(list) as { kid: string; status: string; verifiesUntil: string | null }[];
    assert.deepEqual(keys.map((k) => [k.kid, k.status]), [[oldKid, 'retired'], [json(rotated).kid, 'active']]);
    assert.ok(Date.parse(keys[0]!.verifiesUntil!) < Date.now(), 'listed as no longer verifying');
  });
});

describe('streamgate keys revoke', () => {
  it('stops a leaked key on every edge within a second and on the platform; refuses the only active key', async (t) => {
    const s = await setup(t);
    const dataDir = s.platform.dataDir;
    const oldKid = kidOf(s.token);

    const only = await runCli(['keys', 'revoke', oldKid, '--json'], { dataDir });
    assert.equal(only.code, 2);
    assert.equal(json(only).error.code, 'only_active_key');
    assert.match(only.stderr, /^streamgate: .*only active signing key.*keys rotate/);
    const unknown = await runCli(['keys', 'revoke', 'k000000000000'], { dataDir });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no signing key k000000000000/);

    const newKid = json(await runCli(['keys', 'rotate', '--json'], { dataDir })).kid as string;
    assert.equal((await runCli(['keys', 'revoke', newKid], { dataDir })).code, 2, 'the new current key is the only active one now');
    await new Promise((r) => setTimeout(r, 1_500));
    assert.deepEqual(await statuses(s, s.token), { local: 200, mounted: 200, remote: 200, heartbeat: 200 });

    const revoked = await runCli(['keys', 'revoke', oldKid, '--json'], { dataDir });
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.deepEqual(json(revoked), { kid: oldKid, revoked: true, alreadyRevoked: false });
    // Timed from the command's exit, like code revocations.
    const started = Date.now();
    const after = await waitFor('every verifier to refuse the revoked key', async () => {
      const now = await statuses(s, s.token);
      return refused(now.local) && refused(now.mounted) && refused(now.remote) && now.heartbeat === 401 && now;
    }, 3_000);
    const tookMs = Date.now() - started;
    assert.ok(tookMs < 1_000, `refused everywhere ${tookMs} ms after the revocation`);
    assert.equal(after.remote, 403, 'the remote edge learnt it from the feed');
    assert.equal(readSecret(s.platform).keys.find((k) => k.kid === oldKid)!.secret, undefined, 'its material is gone from data/secret');

    const again = await runCli(['keys', 'revoke', oldKid, '--json'], { dataDir });
    assert.equal(again.code, 0);
    assert.equal(json(again).alreadyRevoked, true);
    const [entry] = json(await runCli(['keys', 'list', '--json'], { dataDir })) as { kid: string; status: string; revokedAt: string }[];
    assert.equal(entry!.status, 'revoked');
    const feed = await s.platform.db.selectFrom('revocations').selectAll().where('kind', '=', 'key_revoked').execute();
    assert.equal(feed.length, 1, 'one feed entry, however often it is revoked');
  });
});
