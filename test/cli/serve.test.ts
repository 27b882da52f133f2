import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spawnOnFreePorts } from '../helpers/appliance.js';
import { initialisedDataDir } from '../helpers/cli.js';

describe('streamgate serve platform', () => {
  it('serves, then shuts down cleanly on SIGTERM with exit 0', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const { child, ports, stderr, closed } = await spawnOnFreePorts(['serve', 'platform'], { STREAMGATE_DATA_DIR: dataDir }, /platform listening/);
    t.after(() => child.kill('SIGKILL'));
    const health = await fetch(`${ports.PLATFORM_URL}/healthz`);
    assert.equal(health.status, 200);
    child.kill('SIGTERM');
    assert.equal(await closed, 0, stderr());
    await assert.rejects(fetch(`${ports.PLATFORM_URL}/healthz`));
  });
});
