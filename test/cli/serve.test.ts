import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { BIN, initialisedDataDir } from '../helpers/cli.js';

describe('streamgate serve platform', () => {
  it('serves, then shuts down cleanly on SIGTERM with exit 0', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const port = 30_000 + Math.floor(Math.random() * 20_000);
    const child = spawn(process.execPath, [BIN, 'serve', 'platform'], {
      env: { ...process.env, STREAMGATE_DATA_DIR: dataDir, PLATFORM_PORT: String(port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d) => (stderr += d).includes('platform listening') && resolve());
      child.on('close', () => reject(new Error(`exited early: ${stderr}`)));
    });
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(health.status, 200);
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.kill('SIGTERM');
    assert.equal(await closed, 0);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));
  });
});
