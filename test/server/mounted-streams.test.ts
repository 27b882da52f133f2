import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

// `serve all`: the edge's /streams answered ahead of Express, everything else left to the platform.

const PLAYLIST = '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nseg_000.ts\n#EXT-X-ENDLIST\n';

async function platformWithHls(t: Parameters<typeof startTestPlatform>[0], env: Record<string, string> = {}): Promise<TestPlatform> {
  const platform = await startTestPlatform(t, env, { mountEdge: true });
  fs.mkdirSync(path.join(platform.dataDir, 'hls', 'conf'), { recursive: true });
  fs.writeFileSync(path.join(platform.dataDir, 'hls', 'conf', 'index.m3u8'), PLAYLIST);
  return platform;
}

async function grantFor(platform: TestPlatform, deviceId = 'browser-aaaa') {
  const [code] = await platform.codes(1);
  const grant = await platform.post('/api/tokens/validate', { code, deviceId });
  assert.equal(grant.status, 200);
  return grant.json as { token: string; sessionId: string };
}

const get = (url: string, headers: Record<string, string> = {}, method = 'GET') => fetch(url, { method, headers, signal: AbortSignal.timeout(10_000) });
const streamsRequestLines = (platform: TestPlatform) => platform.logLines.filter((line) => line.includes('"message":"request"') && line.includes('"path":"/streams/'));

describe('/streams mounted in the platform (serve all)', () => {
  it('answers before Express: media headers only, no page headers, no request log line', async (t) => {
    const platform = await platformWithHls(t);
    const { token } = await grantFor(platform);
    const answer = await get(`${platform.url}/streams/conf/index.m3u8`, { Authorization: `Bearer ${token}` });
    assert.equal(answer.status, 200);
    assert.equal(await answer.text(), PLAYLIST);
    assert.equal(answer.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(answer.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    assert.equal(answer.headers.get('content-security-policy'), null, 'helmet never saw it');
    const refused = await get(`${platform.url}/streams/conf/index.m3u8`);
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'unauthorized');
    assert.deepEqual(streamsRequestLines(platform), [], 'the edge logs its refusals itself, not a line per request');
    assert.ok(platform.logLines.some((line) => line.includes('stream request refused')));
  });

  it('leaves other methods and other paths to the platform', async (t) => {
    const platform = await platformWithHls(t);
    const post = await get(`${platform.url}/streams/conf/index.m3u8`, {}, 'POST');
    assert.equal(post.status, 404);
    assert.equal(((await post.json()) as { error: { code: string } }).error.code, 'not_found');
    assert.ok(post.headers.get('content-security-policy'), "the platform's answer, through helmet");
    assert.equal(streamsRequestLines(platform).length, 1, 'and its request log');
    const health = await get(`${platform.url}/healthz`);
    assert.equal(health.status, 200);
  });

  it("gives a personal link the client's address as req.ip would (STREAMGATE_TRUST_PROXY_HOPS)", async (t) => {
    const platform = await platformWithHls(t, { EDGE_QUERY_TOKENS: '1', STREAMGATE_TRUST_PROXY_HOPS: '1' });
    const grant = await grantFor(platform);
    const link = await platform.post('/api/sessions/link', { sessionId: grant.sessionId }, { Authorization: `Bearer ${grant.token}` });
    assert.equal(link.status, 200, JSON.stringify(link.json));
    const played = await get(new URL(link.json.url, platform.url).toString(), { 'X-Forwarded-For': '6.6.6.6, 203.0.113.7' });
    assert.equal(played.status, 200, await played.clone().text());
    assert.match(await played.text(), /seg_000\.ts\?token=/);
    const sessions = await platform.db.selectFrom('sessions').select(['client_ip', 'ended_at']).execute();
    assert.ok(
      sessions.some((s) => s.client_ip === '203.0.113.7' && s.ended_at === null),
      `the proxy's client, not the socket nor what the client claimed: ${JSON.stringify(sessions)}`,
    );
  });
});
