import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFileAtomic } from '../../src/core/atomic-file.js';
import { loadConfig } from '../../src/core/config.js';
import { createLog } from '../../src/core/log.js';
import { signPlaybackToken } from '../../src/core/playback-token.js';
import { ensureSecretFile, loadKeyring } from '../../src/core/secret-store.js';
import { createEdgeApp, type EdgeApp } from '../../src/edge/app.js';
import { RevocationList } from '../../src/edge/revocation-list.js';
import { tempDir } from '../helpers/cli.js';

// The edge's hot content (EDGE_CACHE_MB): bounded, never stale past one write, and never
// handed to a request the checks refuse. A real edge over real files; no platform needed.

const MiB = 1024 * 1024;

async function startEdge(t: { after(fn: () => unknown): void }, cacheMb = 1) {
  const root = tempDir();
  const dataDir = path.join(root, 'data');
  const eventDir = path.join(dataDir, 'hls', 'conf');
  fs.mkdirSync(eventDir, { recursive: true });
  const config = loadConfig({ STREAMGATE_DATA_DIR: dataDir, EDGE_CACHE_MB: String(cacheMb) });
  ensureSecretFile(config);
  const keyring = loadKeyring(config);
  const revocations = new RevocationList(900_000);
  const app: EdgeApp = createEdgeApp({ config, keyring, revocations, clock: Date.now, log: createLog('edge', () => undefined), syncLagMs: () => 0 });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    app.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(root, { recursive: true, force: true });
  });
  const token = signPlaybackToken(keyring.current, { codeId: 'code', eventId: 'conf', sessionId: 'session' }, Date.now(), 600).token;
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/streams/conf`;
  const get = async (file: string, headers: Record<string, string> = {}, bearer = token) => {
    const response = await fetch(`${url}/${file}`, { headers: { Authorization: `Bearer ${bearer}`, ...headers } });
    return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
  };
  return { app, eventDir, get, revocations };
}

describe('edge hot content (EDGE_CACHE_MB)', () => {
  it('never holds more than its bound, however many distinct segments are fetched, one by one or all at once', async (t) => {
    const { app, eventDir, get } = await startEdge(t, 1);
    const cache = app.streams.cache;
    const files = Array.from({ length: 40 }, (_, i) => ({ name: `seg_${i}.ts`, bytes: randomBytes(100_000 + i) })); // ~4 MB through 1 MiB
    for (const f of files) fs.writeFileSync(path.join(eventDir, f.name), f.bytes);
    fs.writeFileSync(path.join(eventDir, 'big.ts'), randomBytes(MiB / 4)); // over an eighth: always from disk
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, cache.bytes)), 1);
    t.after(() => clearInterval(sampler));
    for (const f of files) {
      const answer = await get(f.name);
      assert.equal(answer.status, 200);
      assert.ok(answer.body.equals(f.bytes), `${f.name} served whole`);
      assert.ok(cache.bytes <= MiB, `${cache.bytes} bytes held`);
    }
    const together = await Promise.all([...files, ...files].map((f) => get(f.name)));
    assert.ok(together.every((a, i) => a.status === 200 && a.body.equals(files[i % files.length]!.bytes)));
    const big = await get('big.ts');
    assert.equal(big.body.length, MiB / 4);
    clearInterval(sampler);
    assert.ok(peak <= MiB && cache.bytes <= MiB, `peak ${peak} bytes for a bound of ${MiB}`);
    assert.ok(cache.size > 0 && cache.size < files.length, 'holds some, evicts the rest');
  });

  it('answers ranges from memory as from disk', async (t) => {
    const { eventDir, get } = await startEdge(t);
    const bytes = randomBytes(50_000);
    fs.writeFileSync(path.join(eventDir, 'seg_1.ts'), bytes);
    assert.equal((await get('seg_1.ts')).status, 200); // now in memory
    const part = await get('seg_1.ts', { Range: 'bytes=100-1099' });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), 'bytes 100-1099/50000');
    assert.ok(part.body.equals(bytes.subarray(100, 1100)));
    const tail = await get('seg_1.ts', { Range: 'bytes=-10' });
    assert.ok(tail.body.equals(bytes.subarray(-10)));
    assert.equal((await get('seg_1.ts', { Range: 'bytes=50000-' })).status, 416);
    const etag = (await get('seg_1.ts')).headers.get('etag')!;
    assert.equal((await get('seg_1.ts', { 'If-None-Match': etag })).status, 304);
  });

  it('serves a playlist renamed over (as the ingest writes it) never more than one write behind', async (t) => {
    const { eventDir, get } = await startEdge(t);
    const playlist = path.join(eventDir, 'index.m3u8');
    const version = (n: number) => `#EXTM3U\n#EXT-X-TARGETDURATION:2\n${Array.from({ length: n }, (_, i) => `#EXTINF:2.0,\nseg_${i}.ts`).join('\n')}\n`;
    writeFileAtomic(playlist, version(0), 0o644);
    assert.equal((await get('index.m3u8')).body.toString(), version(0));
    for (let n = 1; n <= 60; n++) {
      writeFileAtomic(playlist, version(n), 0o644);
      const served = (await get('index.m3u8')).body.toString();
      assert.ok(served === version(n) || served === version(n - 1), `after write ${n} the edge served a playlist of ${served.split('.ts').length - 1} segments`);
      if (n % 10 === 0) await sleep(20); // and once the change is seen, the newest
      if (n % 10 === 0) assert.equal((await get('index.m3u8')).body.toString(), version(n));
    }
  });

  it("sees a segment replaced and an event's folder swapped (vod import), and a deleted file is a 404", async (t) => {
    const { eventDir, get } = await startEdge(t);
    fs.writeFileSync(path.join(eventDir, 'seg_1.ts'), 'old');
    assert.equal((await get('seg_1.ts')).body.toString(), 'old');
    fs.writeFileSync(path.join(eventDir, 'seg_1.ts.tmp'), 'new');
    fs.renameSync(path.join(eventDir, 'seg_1.ts.tmp'), path.join(eventDir, 'seg_1.ts'));
    await sleep(50);
    assert.equal((await get('seg_1.ts')).body.toString(), 'new');

    const staging = `${eventDir}.staging`;
    fs.mkdirSync(staging);
    fs.writeFileSync(path.join(staging, 'seg_1.ts'), 'imported');
    fs.renameSync(eventDir, `${eventDir}.old`);
    fs.renameSync(staging, eventDir);
    fs.rmSync(`${eventDir}.old`, { recursive: true });
    await sleep(50);
    assert.equal((await get('seg_1.ts')).body.toString(), 'imported');
    fs.rmSync(path.join(eventDir, 'seg_1.ts'));
    await sleep(50);
    assert.equal((await get('seg_1.ts')).status, 404);
  });

  it('never hands cached bytes to a request the checks refuse', async (t) => {
    const { eventDir, get, revocations } = await startEdge(t);
    fs.writeFileSync(path.join(eventDir, 'seg_1.ts'), 'segment bytes');
    assert.equal((await get('seg_1.ts')).body.toString(), 'segment bytes');
    for (const [bearer, status] of [['forged.token.here', 401], ['', 401]] as const) {
      const refused = await get('seg_1.ts', {}, bearer);
      assert.equal(refused.status, status);
      assert.ok(!refused.body.toString().includes('segment bytes'));
    }
    revocations.apply([{ cursor: 1, kind: 'session_ended', at: Date.now(), eventId: 'conf', sessionId: 'session', codeId: null, kid: null }]);
    const revoked = await get('seg_1.ts');
    assert.equal(revoked.status, 403);
    assert.deepEqual(JSON.parse(revoked.body.toString()), { error: { code: 'forbidden', message: 'Access denied.' } });
  });
});
