import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { freePortEnv, startDemo, waitFor } from '../helpers/appliance.js';
import { initialisedDataDir, json, runCli } from '../helpers/cli.js';

describe('streamgate up --demo', () => {
  it('initialises, prints demo codes, and the demo event is live; Ctrl-C ends it cleanly', async (t) => {
    const { child, ports: env, stderr, closed, dataDir, codes } = await startDemo(t);
    assert.equal(codes.length, 3);
    assert.match(stderr(), new RegExp(`viewer portal\\s+${env.PLATFORM_URL}/`));
    assert.match(stderr(), /rtmp server\s+rtmp:\/\/127\.0\.0\.1:\d+\/live/);
    const show = async () => json(await runCli(['events', 'show', 'demo', '--json'], { dataDir, env }));
    await waitFor('the demo event live', async () => (await show()).status === 'live', 30_000);
    const response = await fetch(`${env.PLATFORM_URL}/api/tokens/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: codes[0], deviceId: 'demo-device-1' }),
    });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { event: { status: string } }).event.status, 'live');

    child.kill('SIGINT');
    assert.equal(await closed, 0, stderr());
    assert.equal((await show()).status, 'ended', 'stopping ends the live event');
    assert.ok(!stderr().includes((await show()).streamKey), 'the stream key is not printed or logged');
  });
});

describe('streamgate serve start-up checks', () => {
  it('refuses to start with one clear line per failed check', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const env = await freePortEnv();
    const blocker = net.createServer().listen(Number(env.RTMP_PORT), '127.0.0.1');
    t.after(() => blocker.close());
    fs.chmodSync(path.join(dataDir, 'secret'), 0o644);
    const result = await runCli(['serve'], { dataDir, env: { ...env, FFMPEG_PATH: '/nonexistent/ffmpeg' } });
    assert.equal(result.code, 1);
    const lines = result.stderr.trim().split('\n');
    assert.ok(lines.some((l) => /^streamgate: secret: .*mode 0644: chmod 600 it$/.test(l)), result.stderr);
    assert.ok(lines.some((l) => /^streamgate: ffmpeg: \/nonexistent\/ffmpeg not found/.test(l)), result.stderr);
    assert.ok(lines.some((l) => new RegExp(`^streamgate: rtmp port: 127.0.0.1:${env.RTMP_PORT} in use`).test(l)), result.stderr);
    const platform = await fetch(`${env.PLATFORM_URL}/healthz`).catch(() => null);
    assert.equal(platform, null, 'nothing was started');
  });
});
