import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writeTransaction } from '../../src/core/db/database.js';
import { json, runCli } from '../helpers/cli.js';
import { startTestPlatform } from '../helpers/platform.js';

describe('an event\'s latency (--latency low|normal)', () => {
  it('is normal by default, low on request (CLI and admin API), refused when unknown, and fixed once there is a recording', async (t) => {
    const platform = await startTestPlatform(t);
    const { dataDir } = platform;
    assert.equal(json(await runCli(['events', 'show', 'conf', '--json'], { dataDir })).latency, 'normal');
    const created = await runCli(['events', 'create', '--title', 'Quick', '--latency', 'low', '--json'], { dataDir });
    assert.equal(created.code, 0, created.stderr);
    assert.equal(json(created).latency, 'low');
    assert.equal((await runCli(['events', 'update', 'quick', '--latency', 'fast'], { dataDir })).code, 2, 'an unknown latency is a usage error');

    const key = json(await runCli(['apikeys', 'create', '--name', 'shop', '--json'], { dataDir })).key;
    const auth = { Authorization: `Bearer ${key}` };
    const viaApi = await platform.post('/api/admin/events', { title: 'Api', id: 'api', latency: 'low' }, auth);
    assert.deepEqual([viaApi.status, viaApi.json.latency], [201, 'low']);
    assert.equal((await platform.post('/api/admin/events', { title: 'X', latency: 'ultra' }, auth)).status, 400);

    await writeTransaction(platform.db, (trx) => trx.updateTable('events').set({ status: 'ended' }).where('id', '=', 'quick').execute());
    const locked = await runCli(['events', 'update', 'quick', '--latency', 'normal'], { dataDir });
    assert.notEqual(locked.code, 0);
    assert.match(locked.stderr, /recording made at low latency/);
    assert.equal(json(await runCli(['events', 'show', 'quick', '--json'], { dataDir })).latency, 'low');
  });
});
