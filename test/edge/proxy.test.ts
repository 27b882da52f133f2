import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { makeVodFixture, startTestEdge, type TestEdge } from '../helpers/edge.js';
import { startTestPlatform } from '../helpers/platform.js';

async function metric(edge: TestEdge, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${edge.url}/metrics`)).text();
  return Number(pattern.exec(text)?.[1] ?? 0);
}

describe('edge in proxy mode, with a second edge as origin', () => {
  it('100 concurrent requests for one new segment make one upstream fetch; then it is cached; playlists never are', async (t) => {
    const platform = await startTestPlatform(t);
    makeVodFixture(platform.dataDir);
    const origin = await startTestEdge(t, platform);
    const proxy = await startTestEdge(t, platform, { edgeMode: 'proxy', edgeOriginUrl: origin.url, dataDir: '/nonexistent' });
    const [code] = await platform.codes(1);
    const { token } = (await platform.post('/api/tokens/validate', { code, deviceId: 'device-aaaa' })).json;
    const auth = { Authorization: `Bearer ${token}` };

    const answers = await Promise.all(Array.from({ length: 100 }, () => fetch(`${proxy.url}/streams/conf/seg_001.ts`, { headers: auth })));
    const bodies = await Promise.all(answers.map((a) => a.arrayBuffer()));
    assert.ok(answers.every((a) => a.status === 200 && a.headers.get('content-type') === 'video/mp2t'));
    assert.ok(bodies.every((b) => b.byteLength === bodies[0]!.byteLength && b.byteLength > 0));
    assert.equal(await metric(proxy, /^streamgate_edge_upstream_fetches_total (\d+)/m), 1);
    assert.equal(await metric(origin, /^streamgate_edge_requests_total\{status="200"\} (\d+)/m), 1);

    assert.equal((await fetch(`${proxy.url}/streams/conf/seg_001.ts`, { headers: auth })).status, 200);
    assert.equal(await metric(proxy, /^streamgate_edge_upstream_fetches_total (\d+)/m), 1, 'served from the cache');
    for (let i = 0; i < 2; i++) {
      const playlist = await fetch(`${proxy.url}/streams/conf/index.m3u8`, { headers: auth });
      assert.equal(playlist.headers.get('cache-control'), 'no-store');
      assert.match(await playlist.text(), /#EXTM3U/);
    }
    assert.equal(await metric(proxy, /^streamgate_edge_upstream_fetches_total (\d+)/m), 3, 'each playlist request went upstream');
    assert.equal((await fetch(`${proxy.url}/streams/conf/missing.ts`, { headers: auth })).status, 404);
    assert.equal((await fetch(`${proxy.url}/streams/conf/seg_001.ts`)).status, 401, 'the proxy checks tokens itself');
  });

  it('answers 502 when the origin is down and 504 when it hangs, without hanging itself', async (t) => {
    const platform = await startTestPlatform(t);
    const hanging = http.createServer(() => undefined); // accepts, never answers
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    t.after(() => {
      hanging.closeAllConnections();
      hanging.close();
    });
    const down = await startTestEdge(t, platform, { edgeMode: 'proxy', edgeOriginUrl: 'http://127.0.0.1:9', dataDir: '/nonexistent' });
    const slow = await startTestEdge(t, platform, { edgeMode: 'proxy', edgeOriginUrl: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`, dataDir: '/nonexistent' });
    const [code] = await platform.codes(1);
    const { token } = (await platform.post('/api/tokens/validate', { code, deviceId: 'device-aaaa' })).json;
    const auth = { Authorization: `Bearer ${token}` };
    assert.equal((await fetch(`${down.url}/streams/conf/seg_000.ts`, { headers: auth })).status, 502);
    assert.equal((await fetch(`${slow.url}/streams/conf/seg_000.ts`, { headers: auth })).status, 504);
  });

  it('in hybrid mode serves local files first and fetches the rest from the origin', async (t) => {
    const platform = await startTestPlatform(t);
    makeVodFixture(platform.dataDir);
    const origin = await startTestEdge(t, platform);
    const hybrid = await startTestEdge(t, platform, { edgeMode: 'hybrid', edgeOriginUrl: origin.url });
    const [code] = await platform.codes(1);
    const { token } = (await platform.post('/api/tokens/validate', { code, deviceId: 'device-aaaa' })).json;
    const auth = { Authorization: `Bearer ${token}` };
    assert.equal((await fetch(`${hybrid.url}/streams/conf/seg_000.ts`, { headers: auth })).status, 200);
    assert.equal(await metric(hybrid, /^streamgate_edge_upstream_fetches_total (\d+)/m), 0, 'local file, no upstream fetch');
    assert.equal((await fetch(`${hybrid.url}/streams/conf/missing.ts`, { headers: auth })).status, 404);
    assert.equal(await metric(hybrid, /^streamgate_edge_upstream_fetches_total (\d+)/m), 1, 'asked the origin for what it lacks');
  });
});
