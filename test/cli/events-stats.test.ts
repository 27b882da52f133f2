import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recordViewerSample } from '../../src/core/analytics/viewer-samples.js';
import { loadConfig } from '../../src/core/config.js';
import { openDatabase } from '../../src/core/db/database.js';
import { loadKeyring } from '../../src/core/secret-store.js';
import { startSession } from '../../src/core/sessions/session-service.js';
import { codesFromCsv, initialisedDataDir, json, runCli } from '../helpers/cli.js';
import { testDatabaseEnv } from '../helpers/test-database.js';

/** Two viewers of `conf` in the data directory's database, and a sample of them. */
async function twoViewers(dataDir: string): Promise<void> {
  const csv = await runCli(['tokens', 'create', '--event', 'conf', '--count', '2'], { dataDir });
  assert.equal(csv.code, 0, csv.stderr);
  const config = loadConfig({ STREAMGATE_DATA_DIR: dataDir, ...(await testDatabaseEnv(dataDir)) });
  const db = await openDatabase(config);
  try {
    const deps = { db, clock: Date.now, keyring: loadKeyring(config), tokenTtlSeconds: 300 };
    for (const [i, code] of codesFromCsv(csv.stdout).entries()) await startSession(deps, { code, deviceId: `device-${i}`, clientIp: '192.0.2.1', userAgent: null });
    await recordViewerSample(db, Date.now());
  } finally {
    await db.destroy();
  }
}

describe('streamgate events stats', () => {
  it('prints the analytics as JSON, as CSV, and for people', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const before = json(await runCli(['events', 'stats', 'conf', '--json'], { dataDir }));
    assert.equal(before.viewersNow, 0);
    assert.deepEqual(before.series.points, []);

    await twoViewers(dataDir);
    const stats = json(await runCli(['events', 'stats', 'conf', '--json'], { dataDir }));
    assert.equal(stats.eventId, 'conf');
    assert.equal(stats.viewersNow, 2);
    assert.equal(stats.peakViewers, 2);
    assert.equal(stats.uniqueCodes, 2);
    assert.equal(stats.sessions.total, 2);
    assert.equal(stats.bytesDelivered, null);
    assert.equal(stats.series.resolution, 'minute');
    assert.deepEqual(stats.series.points.map((p: { viewers: number }) => p.viewers), [2]);

    const csv = await runCli(['events', 'stats', 'conf', '--csv'], { dataDir });
    assert.equal(csv.code, 0, csv.stderr);
    assert.match(csv.stdout, /^at,viewers,average\n\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z,2,2\n$/);

    const hourly = json(await runCli(['events', 'stats', 'conf', '--json', '--resolution', 'hour'], { dataDir }));
    assert.equal(hourly.series.resolution, 'hour');
    assert.equal(hourly.series.points[0].viewers, 2);

    const human = await runCli(['events', 'stats', 'conf'], { dataDir });
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /watching now\s+2\n/);
    assert.match(human.stdout, /unique codes used\s+2\n/);
    assert.match(human.stdout, /bytes delivered\s+not reported by any edge\n/);
    assert.match(human.stdout, /viewers per minute\s+█ \(max 2\)\n/);
  });

  it('refuses an unknown event, --csv with --json, and a bad time (exit 2, one line)', async (t) => {
    const dataDir = await initialisedDataDir(t);
    for (const args of [['nope'], ['conf', '--csv', '--json'], ['conf', '--from', 'yesterday'], ['conf', '--resolution', 'second']]) {
      const result = await runCli(['events', 'stats', ...args], { dataDir });
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /^streamgate: .+\n$/);
    }
  });
});
