import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { json, REPO_ROOT, runCli, tempDir } from '../helpers/cli.js';
import { startTestEdge, type TestEdge } from '../helpers/edge.js';
import { renderTemplate, startNginx } from '../helpers/nginx.js';
import { startTestPlatform } from '../helpers/platform.js';

const CDN_CONF = path.join(REPO_ROOT, 'deploy', 'nginx', 'cdn-cache.conf');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function metric(edge: TestEdge, name: string): Promise<number> {
  const text = await (await fetch(`${edge.url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
}

describe('deploy/nginx/cdn-cache.conf: nginx caching encrypted segments in front of an edge', () => {
  it('serves repeated segment requests from its cache without reaching the edge; playlists and keys stay with the edge; ffmpeg plays through it', async (t) => {
    const dir = tempDir('streamgate-cdn-');
    fs.chmodSync(dir, 0o755); // nginx's workers (nobody) write the cache in it
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const platform = await startTestPlatform(t);
    const source = path.join(dir, 'talk.mp4');
    execFileSync('ffmpeg', [
      '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440',
      '-t', '12', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '50', '-pix_fmt', 'yuv420p', '-c:a', 'aac', source,
    ]);
    assert.equal(json(await runCli(['events', 'create', '--title', 'Enc', '--id', 'enc', '--encryption', 'aes-128', '--json'], { dataDir: platform.dataDir })).encryption, 'aes-128');
    const imported = await runCli(['vod', 'import', 'enc', source], { dataDir: platform.dataDir });
    assert.equal(imported.code, 0, imported.stderr);

    const cdnPort = await freePort();
    const cdnUrl = `http://127.0.0.1:${cdnPort}`;
    const edge = await startTestEdge(t, platform, { edgeSegmentAccess: 'public', segmentBaseUrl: cdnUrl });
    const conf = renderTemplate(fs.readFileSync(CDN_CONF, 'utf8'), { CDN_LISTEN: `127.0.0.1:${cdnPort}`, EDGE: new URL(edge.url).host, CACHE_DIR: path.join(dir, 'cache') });
    const nginx = await startNginx(conf, `${cdnUrl}/`);
    t.after(() => nginx.stop());

    const [code] = await platform.codes(1, { eventId: 'enc' });
    const { token } = (await platform.post('/api/tokens/validate', { code, deviceId: 'device-cdn-aaaa' })).json;
    const auth = { Authorization: `Bearer ${token}` };
    const playlist = await (await fetch(`${edge.url}/streams/enc/index.m3u8`, { headers: auth })).text();
    const segments = playlist.split('\n').filter((line) => line && !line.startsWith('#'));
    assert.ok(segments.length >= 5 && segments.every((uri) => uri.startsWith(`${cdnUrl}/segments/enc/`)), playlist);

    // Twenty viewers at once on the first segment, then every segment three times over.
    const first = await Promise.all(Array.from({ length: 20 }, () => fetch(segments[0]!, { headers: auth })));
    assert.ok(first.every((answer) => answer.status === 200));
    await Promise.all(first.map((answer) => answer.arrayBuffer()));
    const statuses: string[] = [];
    for (let round = 0; round < 3; round++) {
      for (const uri of segments) {
        const answer = await fetch(uri, { headers: auth });
        assert.equal(answer.status, 200);
        await answer.arrayBuffer();
        statuses.push(answer.headers.get('x-cache-status') ?? '');
      }
    }
    const edgeFetches = await metric(edge, 'streamgate_edge_public_segment_requests_total');
    assert.equal(edgeFetches, segments.length, `the edge served each segment once (${edgeFetches} for ${segments.length} segments, ${20 + 3 * segments.length} requests)`);
    assert.ok(statuses.slice(segments.length).every((s) => s === 'HIT'), statuses.join(' '));

    // Only public segments pass: no playlist, key or gated segment is reachable through the cache.
    const keyUri = /URI="([^"]+)"/.exec(playlist)![1]!;
    for (const through of [`/streams/enc/index.m3u8`, keyUri, `/streams/enc/seg_00000.ts`]) {
      assert.equal((await fetch(`${cdnUrl}${through}`, { headers: auth })).status, 404, through);
    }

    // A player: playlist and keys from the edge with the token, segments from the cache.
    const before = await metric(edge, 'streamgate_edge_public_segment_requests_total');
    const { stdout } = await promisify(execFile)('ffmpeg', [
      '-v', 'error', '-headers', `Authorization: Bearer ${token}\r\n`, '-i', `${edge.url}/streams/enc/index.m3u8`, '-map', '0:v:0', '-f', 'framemd5', '-',
    ], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
    assert.ok(stdout.split('\n').filter((line) => /^0,/.test(line)).length >= 12 * 25 - 5, 'decoded the whole VOD');
    assert.equal(await metric(edge, 'streamgate_edge_public_segment_requests_total'), before, 'no segment reached the edge');
  });
});
