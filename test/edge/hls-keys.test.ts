import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createDecipheriv } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { json, runCli, tempDir } from '../helpers/cli.js';
import { makeVodFixture, startTestEdge, type TestEdge } from '../helpers/edge.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

const KEY_LINE = /^#EXT-X-KEY:METHOD=AES-128,URI="([^"]+)",IV=0x([0-9a-f]{32})$/gm;

/** A 16 s recording, made once per file and shared by the tests. */
let recording: string | null = null;
function source(): string {
  if (recording) return recording;
  const dir = tempDir('streamgate-keys-src-');
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  recording = path.join(dir, 'talk.mp4');
  execFileSync('ffmpeg', [
    '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-t', '16', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '50', '-pix_fmt', 'yuv420p', '-c:a', 'aac', recording,
  ]);
  return recording;
}

/** A platform with the encrypted event `enc` (its VOD imported through the CLI, a key every 4 s) beside the plain `conf`. */
async function setup(t: { after(fn: () => unknown): void }, edgeOverrides: Parameters<typeof startTestEdge>[2] = {}) {
  const platform = await startTestPlatform(t);
  const created = await runCli(['events', 'create', '--title', 'Enc', '--id', 'enc', '--encryption', 'aes-128', '--json'], { dataDir: platform.dataDir });
  assert.equal(json(created).encryption, 'aes-128');
  const imported = await runCli(['vod', 'import', 'enc', source(), '--json'], { dataDir: platform.dataDir, env: { HLS_KEY_ROTATION_SECONDS: '4' } });
  assert.equal(imported.code, 0, imported.stderr);
  assert.equal(json(imported).encrypted, true);
  const edge = await startTestEdge(t, platform, edgeOverrides);
  return { platform, edge, ...(await viewer(platform, 'enc')) };
}

async function viewer(platform: TestPlatform, eventId: string) {
  const [code] = await platform.codes(1, { eventId });
  const { json: body } = await platform.post('/api/tokens/validate', { code, deviceId: `device-${eventId}-aaaa` });
  assert.ok(body.token, JSON.stringify(body));
  return { code: code!, token: body.token as string };
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

async function keysOf(edge: TestEdge, token: string): Promise<{ uri: string; iv: string }[]> {
  const playlist = await (await fetch(`${edge.url}/streams/enc/index.m3u8`, { headers: bearer(token) })).text();
  return [...playlist.matchAll(KEY_LINE)].map((m) => ({ uri: m[1]!, iv: m[2]! }));
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath ?? (e as any).path, e.name));
}

describe('AES-128 keys at the edge (encrypted events)', () => {
  it('serves an encrypted VOD: keys named in the playlist, 16 bytes each with the token, segments ciphertext alone; no key file under hls/', async (t) => {
    const { platform, edge, token } = await setup(t);
    const keys = await keysOf(edge, token);
    // An import changes keys as it hears of FFmpeg's segments (about every 2 here), which a loaded
    // machine may hear of late; the live tests check rotation by the clock.
    assert.ok(keys.length >= 1, `${keys.length} key lines`);
    assert.ok(keys.every((k) => /^\/keys\/enc\/[0-9a-f]{16}$/.test(k.uri)), JSON.stringify(keys));

    const answer = await fetch(`${edge.url}${keys[0]!.uri}`, { headers: bearer(token) });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    assert.equal(answer.headers.get('content-type'), 'application/octet-stream');
    const key = Buffer.from(await answer.arrayBuffer());
    assert.equal(key.length, 16);

    // The first segment, as anyone holding its URL would get it: ffprobe finds no media in it.
    const segment = Buffer.from(await (await fetch(`${edge.url}/streams/enc/seg_00000.ts`, { headers: bearer(token) })).arrayBuffer());
    // Clear MPEG-TS has the sync byte 0x47 at every 188-byte packet start; ciphertext has it at
    // about one in 256 by chance, so one byte alone would fail this test once in 256 runs.
    const packetStarts = Array.from({ length: Math.floor(segment.length / 188) }, (_, i) => segment[i * 188]);
    const syncs = packetStarts.filter((byte) => byte === 0x47).length;
    assert.ok(packetStarts.length >= 100 && syncs < packetStarts.length / 10, `${syncs} of ${packetStarts.length} packet starts are 0x47: MPEG-TS in clear`);
    const aloneDir = tempDir('streamgate-keys-seg-');
    t.after(() => fs.rmSync(aloneDir, { recursive: true, force: true }));
    const alone = path.join(aloneDir, 'seg.ts');
    fs.writeFileSync(alone, segment);
    // ffprobe may fail on it or, now and then, guess some format in random bytes (an MP3 frame): either
    // way it finds no H.264 and no AAC, which is what the recording holds.
    const probed = await promisify(execFile)('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', alone]).then(({ stdout }) => stdout, () => '');
    assert.doesNotMatch(probed, /h264|aac/, 'ffprobe finds no media of the recording in ciphertext alone');
    // With the key and the playlist's IV it is MPEG-TS again.
    const decipher = createDecipheriv('aes-128-cbc', key, Buffer.from(keys[0]!.iv, 'hex'));
    const clear = Buffer.concat([decipher.update(segment), decipher.final()]);
    assert.equal(clear[0], 0x47);
    assert.equal(clear[188], 0x47);

    // Every key is sealed in data/keys; no plain key under hls/ (what a CDN may mirror), none left in data/key-work.
    const served = filesUnder(path.join(platform.dataDir, 'hls'));
    assert.ok(!served.some((file) => path.basename(file).includes('key')), served.join('\n'));
    for (const file of served) assert.ok(!fs.readFileSync(file).includes(key), `${file} holds no key`);
    const sealed = filesUnder(path.join(platform.dataDir, 'keys'));
    assert.ok(sealed.length >= keys.length);
    for (const file of sealed) {
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      assert.ok(!fs.readFileSync(file).includes(key), 'sealed, not in clear');
    }
    assert.deepEqual(fs.existsSync(path.join(platform.dataDir, 'key-work')) ? fs.readdirSync(path.join(platform.dataDir, 'key-work')) : [], []);
  });

  it('ffmpeg plays the encrypted VOD through the edge with the token, keys fetched from the edge', async (t) => {
    const { edge, token } = await setup(t);
    const { stdout } = await promisify(execFile)('ffmpeg', [
      '-v', 'error', '-headers', `Authorization: Bearer ${token}\r\n`, '-i', `${edge.url}/streams/enc/index.m3u8`,
      '-map', '0:v:0', '-f', 'framemd5', '-',
    ], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
    const frames = stdout.split('\n').filter((line) => /^0,/.test(line)).length;
    assert.ok(frames >= 16 * 25 - 5, `decoded ${frames} frames of 400`);
    const metrics = await (await fetch(`${edge.url}/metrics`)).text();
    assert.match(metrics, /^streamgate_edge_key_requests_total\{status="200"\} [1-9]/m);
  });

  it('refuses keys without a token, with another event\'s token, for an unknown or malformed key, and after revocation', async (t) => {
    const { platform, edge, token, code } = await setup(t);
    const uri = (await keysOf(edge, token))[0]!.uri;
    const other = await viewer(platform, 'conf');
    const status = async (url: string, headers: Record<string, string> = {}) => (await fetch(`${edge.url}${url}`, { headers })).status;
    assert.equal(await status(uri), 401);
    assert.equal(await status(uri, bearer('not.a.jwt')), 401);
    assert.equal(await status(uri.replace('/enc/', '/conf/'), bearer(token)), 403, 'a key path of another event');
    assert.equal(await status(uri, bearer(other.token)), 403, 'a token of another event');
    assert.equal(await status('/keys/enc/0000000000000000', bearer(token)), 404);
    assert.equal(await status('/keys/enc/../secret', bearer(token)), 404);
    assert.equal(await status('/keys/enc/ZZ', bearer(token)), 404);
    assert.equal(await status(uri, bearer(token)), 200);

    const revoked = await runCli(['tokens', 'revoke', code], { dataDir: platform.dataDir });
    assert.equal(revoked.code, 0, revoked.stderr);
    const started = Date.now();
    while ((await status(uri, bearer(token))) !== 403) {
      assert.ok(Date.now() - started < 3_000, 'the revocation reached key delivery');
      await sleep(20);
    }
    const log = edge.logLines.join('');
    assert.ok(!log.includes(token.split('.')[2]!), 'no token in the log');
  });

  it('with EDGE_QUERY_TOKENS the playlist\'s key URIs carry ?token= and the key answers to it', async (t) => {
    const { edge, token } = await setup(t, { edgeQueryTokens: true });
    const playlist = await (await fetch(`${edge.url}/streams/enc/index.m3u8?token=${encodeURIComponent(token)}`)).text();
    const uri = /#EXT-X-KEY:METHOD=AES-128,URI="([^"]+)"/.exec(playlist)![1]!;
    assert.match(uri, /^\/keys\/enc\/[0-9a-f]{16}\?token=/);
    const answer = await fetch(`${edge.url}${uri}`);
    assert.equal(answer.status, 200);
    assert.equal((await answer.arrayBuffer()).byteLength, 16);
  });

  it('a proxy edge without the data directory gets keys from its origin with the viewer\'s token and refuses revoked viewers', async (t) => {
    const { platform, edge: origin, token, code } = await setup(t);
    const proxy = await startTestEdge(t, platform, { edgeMode: 'proxy', edgeOriginUrl: origin.url, dataDir: '/nonexistent' });
    const uri = (await keysOf(origin, token))[0]!.uri;
    const direct = Buffer.from(await (await fetch(`${origin.url}${uri}`, { headers: bearer(token) })).arrayBuffer());
    const proxied = await fetch(`${proxy.url}${uri}`, { headers: bearer(token) });
    assert.equal(proxied.status, 200);
    assert.equal(proxied.headers.get('cache-control'), 'no-store');
    assert.deepEqual(Buffer.from(await proxied.arrayBuffer()), direct);
    assert.equal((await fetch(`${proxy.url}${uri}`)).status, 401, 'the proxy checks tokens itself');
    assert.equal((await fetch(`${proxy.url}/keys/enc/0000000000000000`, { headers: bearer(token) })).status, 404);

    assert.equal((await runCli(['tokens', 'revoke', code], { dataDir: platform.dataDir })).code, 0);
    const started = Date.now();
    while ((await fetch(`${proxy.url}${uri}`, { headers: bearer(token) })).status !== 403) {
      assert.ok(Date.now() - started < 3_000, 'the revocation reached the proxy\'s key delivery');
      await sleep(20);
    }
  });

  it('EDGE_SEGMENT_ACCESS=public: encrypted segments without a token from /segments (cacheable by anyone), playlists and keys still gated, clear events never public', async (t) => {
    const { platform, edge, token } = await setup(t, { edgeSegmentAccess: 'public', segmentBaseUrl: 'http://cdn.example.test', edgeQueryTokens: true });
    makeVodFixture(platform.dataDir, 'conf');
    const playlist = await (await fetch(`${edge.url}/streams/enc/index.m3u8`, { headers: bearer(token) })).text();
    const segments = playlist.split('\n').filter((line) => line && !line.startsWith('#'));
    assert.ok(segments.length >= 8 && segments.every((uri) => /^http:\/\/cdn\.example\.test\/segments\/enc\/seg_\d{5}\.ts$/.test(uri)), segments.join('\n'));
    assert.match(playlist, /URI="\/keys\/enc\/[0-9a-f]{16}"/, 'keys stay on the edge');
    const withQuery = await (await fetch(`${edge.url}/streams/enc/index.m3u8?token=${encodeURIComponent(token)}`)).text();
    assert.match(withQuery, /URI="\/keys\/enc\/[0-9a-f]{16}\?token=/);
    assert.ok(!withQuery.split('\n').some((line) => line.includes('/segments/') && line.includes('token')), 'no token on a public segment URI (a CDN logs them)');
    assert.equal((await fetch(`${edge.url}/streams/enc/index.m3u8`)).status, 401, 'the playlist keeps the token');

    const open = await fetch(`${edge.url}/segments/enc/seg_00000.ts`);
    assert.equal(open.status, 200);
    assert.equal(open.headers.get('cache-control'), 'public, max-age=86400, immutable');
    assert.equal(open.headers.get('access-control-allow-origin'), '*');
    const gated = await fetch(`${edge.url}/streams/enc/seg_00000.ts`, { headers: bearer(token) });
    assert.deepEqual(Buffer.from(await open.arrayBuffer()), Buffer.from(await gated.arrayBuffer()));

    // The event in clear: its playlist keeps relative (gated) segments and /segments refuses them.
    const conf = await viewer(platform, 'conf');
    const clearPlaylist = await (await fetch(`${edge.url}/streams/conf/index.m3u8`, { headers: bearer(conf.token) })).text();
    assert.ok(!clearPlaylist.includes('/segments/'), clearPlaylist);
    assert.equal((await fetch(`${edge.url}/segments/conf/seg_000.ts`)).status, 404);
    assert.equal((await fetch(`${edge.url}/segments/conf/index.m3u8`)).status, 404);
    assert.equal((await fetch(`${edge.url}/segments/enc/index.m3u8`)).status, 404);
    assert.equal((await fetch(`${edge.url}/segments/enc/..%2f..%2fsecret`)).status, 404);
    const metrics = await (await fetch(`${edge.url}/metrics`)).text();
    assert.match(metrics, /^streamgate_edge_public_segment_requests_total [1-9]/m);
  });

  it('without EDGE_SEGMENT_ACCESS=public no segment is served without a token', async (t) => {
    const { edge, token } = await setup(t);
    assert.equal((await fetch(`${edge.url}/segments/enc/seg_00000.ts`)).status, 404);
    const playlist = await (await fetch(`${edge.url}/streams/enc/index.m3u8`, { headers: bearer(token) })).text();
    assert.ok(!playlist.includes('/segments/'));
  });
});
