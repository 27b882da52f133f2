import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';
import { spawnOnFreePorts } from '../helpers/appliance.js';
import { runCli } from '../helpers/cli.js';
import { makeVodFixture } from '../helpers/edge.js';
import { startTestPlatform } from '../helpers/platform.js';

/** One new connection: /healthz says which worker holds it, then the playlist on the same connection. */
async function probe(edgeUrl: string, token: string): Promise<{ worker: number; status: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = (path: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      http.get(`${edgeUrl}${path}`, { agent, headers }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d)).on('end', () => resolve({ status: res.statusCode!, body }));
      }).on('error', reject);
    });
  try {
    const health = JSON.parse((await get('/healthz')).body) as { worker: number };
    const { status } = await get('/streams/conf/index.m3u8', { Authorization: `Bearer ${token}` });
    return { worker: health.worker, status };
  } finally {
    agent.destroy();
  }
}

/** Probes until every worker's latest answer is `status`; returns how long that took. */
async function untilEveryWorker(edgeUrl: string, token: string, status: number, workers: number, timeoutMs = 5_000): Promise<number> {
  const started = Date.now();
  const latest = new Map<number, number>();
  while (latest.size < workers || [...latest.values()].some((s) => s !== status)) {
    if (Date.now() - started > timeoutMs) throw new Error(`workers never all answered ${status}: ${JSON.stringify([...latest])}`);
    const answer = await probe(edgeUrl, token);
    latest.set(answer.worker, answer.status);
  }
  return Date.now() - started;
}

describe('EDGE_WORKERS=2: the stand-alone edge as two processes on one port', () => {
  it('serves from both workers, and a revocation reaches each of them within a second', async (t) => {
    const platform = await startTestPlatform(t);
    makeVodFixture(platform.dataDir);
    const edge = await spawnOnFreePorts(['serve', 'edge'], { STREAMGATE_DATA_DIR: platform.dataDir, PLATFORM_URL: platform.url, EDGE_WORKERS: '2' }, /"edge listening"/);
    t.after(async () => {
      edge.child.kill('SIGTERM');
      await edge.closed;
    });
    const edgeUrl = edge.ports.EDGE_PUBLIC_URL;
    assert.match(edge.stderr(), /"workers":2/);
    const [code] = await platform.codes(1);
    const { token } = (await platform.post('/api/tokens/validate', { code, deviceId: 'device-aaaa' })).json;
    await untilEveryWorker(edgeUrl, token, 200, 2);

    const revoke = await runCli(['tokens', 'revoke', code!], { dataDir: platform.dataDir });
    assert.equal(revoke.code, 0, revoke.stderr);
    // Timed from the committed revocation (the CLI's exit), as for a single edge.
    const tookMs = await untilEveryWorker(edgeUrl, token, 403, 2);
    assert.ok(tookMs < 1_000, `both workers refused the code ${tookMs} ms after the revocation`);
    edge.child.kill('SIGTERM');
    assert.equal(await edge.closed, 0, 'stops cleanly, workers included');
  });
});
