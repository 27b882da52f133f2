import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { recordViewerSample } from '../../src/core/analytics/viewer-samples.js';
import { loadConfig } from '../../src/core/config.js';
import { openDatabase, writeTransaction, type Db } from '../../src/core/db/database.js';
import { HlsKeyStore } from '../../src/core/hls-keys/hls-key-store.js';
import { loadKeyring } from '../../src/core/secret-store.js';
import { startSession } from '../../src/core/sessions/session-service.js';
import { codesFromCsv, initialisedDataDir, json, runCli } from '../helpers/cli.js';
import { testDatabaseEnv } from '../helpers/test-database.js';

const DAY = 86_400_000;
/**
 * Every event's viewer sample is taken at this one time: each sample counts every event's viewers,
 * and samples in two different minutes would give an earlier event a second row.
 */
const SAMPLED_AT = Date.now();

async function withDb<T>(dataDir: string, fn: (db: Db, config: ReturnType<typeof loadConfig>) => Promise<T>): Promise<T> {
  const config = loadConfig({ STREAMGATE_DATA_DIR: dataDir, ...(await testDatabaseEnv(dataDir)) });
  const db = await openDatabase(config);
  try {
    return await fn(db, config);
  } finally {
    await db.destroy();
  }
}

/** An event with codes, a viewer session, a viewer sample and a recording, that ended `endedDaysAgo`. */
async function endedEvent(dataDir: string, id: string, endedDaysAgo: number): Promise<string[]> {
  assert.equal((await runCli(['events', 'create', '--title', id, '--id', id], { dataDir })).code, 0);
  const codes = codesFromCsv((await runCli(['tokens', 'create', '--event', id, '--count', '5', '--expires-in', '400d'], { dataDir })).stdout);
  await withDb(dataDir, async (db, config) => {
    await startSession({ db, clock: Date.now, keyring: loadKeyring(config), tokenTtlSeconds: 300 }, { code: codes[0]!, deviceId: 'tv', clientIp: '192.0.2.1', userAgent: null });
    await recordViewerSample(db, SAMPLED_AT);
    const endsAt = Date.now() - endedDaysAgo * DAY;
    await writeTransaction(db, async (trx) => {
      await trx.updateTable('events').set({ status: 'ended', starts_at: endsAt - 3_600_000, ends_at: endsAt }).where('id', '=', id).execute();
    });
  });
  const folder = path.join(dataDir, 'hls', id);
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, 'index.m3u8'), '#EXTM3U\n');
  fs.writeFileSync(path.join(folder, 'seg_00001.ts'), Buffer.alloc(100_000));
  return codes;
}

async function rowsOf(dataDir: string, eventId: string): Promise<Record<string, number>> {
  return withDb(dataDir, async (db) => {
    const counts: Record<string, number> = {};
    for (const table of ['events', 'access_codes', 'code_batches', 'code_counts', 'sessions', 'viewer_minutes'] as const) {
      const column = table === 'events' ? 'id' : 'event_id';
      const row = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where ${sql.ref(column)} = ${eventId}`.execute(db);
      counts[table] = Number(row.rows[0]!.n);
    }
    return counts;
  });
}

describe('streamgate events prune', () => {
  it('lists what would go without --yes, deletes it whole with --yes, audited, and keeps every other event', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const oldCodes = await endedEvent(dataDir, 'old', 100);
    await endedEvent(dataDir, 'recent', 1);
    await endedEvent(dataDir, 'busy', 100); // ended long ago, but a publisher is on it again: FFmpeg writes there
    await withDb(dataDir, (db) => writeTransaction(db, (trx) => trx.updateTable('events').set({ ingest_state: 'writing' }).where('id', '=', 'busy').execute()));

    const dry = await runCli(['events', 'prune', '--ended-before', '30d'], { dataDir });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /old\s+ended/);
    assert.doesNotMatch(dry.stdout, /recent|conf|busy/);
    assert.match(dry.stdout, /Dry run: nothing was deleted\. Run again with --yes/);
    const dryJson = json(await runCli(['events', 'prune', '--ended-before', '30d', '--json'], { dataDir }));
    assert.equal(dryJson.dryRun, true);
    assert.deepEqual(dryJson.events.map((e: { id: string; codes: number; workingCodes: number; mediaFiles: number; pruned: boolean }) => [e.id, e.codes, e.workingCodes, e.mediaFiles, e.pruned]), [['old', 5, 5, 2, false]]);
    assert.equal((await rowsOf(dataDir, 'old')).access_codes, 5, 'a dry run deletes nothing');
    assert.ok(fs.existsSync(path.join(dataDir, 'hls', 'old', 'seg_00001.ts')));

    const before = await rowsOf(dataDir, 'old');
    assert.ok(before.sessions === 1 && before.viewer_minutes === 1 && before.code_counts! >= 1, JSON.stringify(before));
    const pruned = await runCli(['events', 'prune', '--ended-before', new Date(Date.now() - 30 * DAY).toISOString(), '--yes', '--json'], { dataDir });
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.equal(json(pruned).dryRun, false);
    assert.deepEqual(json(pruned).events.map((e: { id: string; pruned: boolean }) => [e.id, e.pruned]), [['old', true]]);

    assert.deepEqual(await rowsOf(dataDir, 'old'), { events: 0, access_codes: 0, code_batches: 0, code_counts: 0, sessions: 0, viewer_minutes: 0 });
    assert.equal(fs.existsSync(path.join(dataDir, 'hls', 'old')), false, 'the recording is gone');
    assert.deepEqual(fs.readdirSync(path.join(dataDir, 'hls')).sort(), ['busy', 'recent'], 'no trash folder left behind');
    assert.equal((await rowsOf(dataDir, 'recent')).access_codes, 5, 'an event that ended after the cut-off stays');
    const events = json(await runCli(['events', 'list', '--json'], { dataDir })).map((e: { id: string }) => e.id).sort();
    assert.deepEqual(events, ['busy', 'conf', 'recent']);
    const gone = await runCli(['tokens', 'show', '-'], { dataDir, input: oldCodes[1]! });
    assert.notEqual(gone.code, 0, 'a pruned event\'s code no longer exists');

    const audit = await withDb(dataDir, (db) => db.selectFrom('audit_log').selectAll().where('action', '=', 'event.prune').execute());
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.target, 'old');
    assert.deepEqual(JSON.parse(audit[0]!.details!).codes, 5);

    const again = await runCli(['events', 'prune', '--ended-before', '30d', '--yes'], { dataDir });
    assert.equal(again.code, 0);
    assert.match(again.stdout, /nothing to prune/);
  });

  it("removes a pruned event's sealed AES-128 keys (data/keys/<id>) with its recording, and no other event's", async (t) => {
    const dataDir = await initialisedDataDir(t);
    await endedEvent(dataDir, 'old', 100);
    await endedEvent(dataDir, 'recent', 1);
    const keys = await withDb(dataDir, async (_db, config) => new HlsKeyStore(dataDir, loadKeyring(config)));
    const kept = keys.create('recent');
    keys.create('old');
    keys.create('old');
    assert.equal(keys.list('old').length, 2);

    const pruned = await runCli(['events', 'prune', '--ended-before', '30d', '--yes', '--json'], { dataDir });
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.deepEqual(json(pruned).events.map((e: { id: string; pruned: boolean }) => [e.id, e.pruned]), [['old', true]]);
    assert.deepEqual(keys.list('old'), [], 'the pruned event\'s keys are gone');
    assert.deepEqual(fs.readdirSync(path.join(dataDir, 'keys')), ['recent'], 'no trash folder left behind in data/keys');
    assert.deepEqual(keys.read('recent', kept.keyId), kept.key, 'another event keeps its keys');
  });

  it('deletes an event of more codes than one transaction takes (5,000) completely', async (t) => {
    const dataDir = await initialisedDataDir(t);
    await endedEvent(dataDir, 'big', 100);
    assert.equal((await runCli(['tokens', 'create', '--event', 'big', '--count', '12001', '--expires-in', '400d', '--out', path.join(path.dirname(dataDir), 'big.csv')], { dataDir })).code, 0);
    const pruned = await runCli(['events', 'prune', '--ended-before', '30d', '--yes', '--json'], { dataDir });
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.deepEqual(json(pruned).events.map((e: { id: string; codes: number; pruned: boolean }) => [e.id, e.codes, e.pruned]), [['big', 12_006, true]]);
    assert.deepEqual(await rowsOf(dataDir, 'big'), { events: 0, access_codes: 0, code_batches: 0, code_counts: 0, sessions: 0, viewer_minutes: 0 });
    const audit = await withDb(dataDir, (db) => db.selectFrom('audit_log').select('details').where('action', '=', 'event.prune').executeTakeFirstOrThrow());
    assert.equal(JSON.parse(audit.details!).codes, 12_006);
  });

  it('refuses a date it cannot read (exit 2)', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const bad = await runCli(['events', 'prune', '--ended-before', 'last tuesday'], { dataDir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^streamgate: --ended-before/);
    const missing = await runCli(['events', 'prune'], { dataDir });
    assert.equal(missing.code, 2);
  });
});

describe('streamgate doctor: disk', () => {
  it('reports disk use per event and how many hours of the largest live ladder fit', async (t) => {
    const dataDir = await initialisedDataDir(t, ['--title', 'Conf', '--id', 'conf', '--ladder', '720p,480p,360p']);
    fs.mkdirSync(path.join(dataDir, 'hls', 'conf'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'hls', 'conf', 'seg_00001.ts'), Buffer.alloc(1_048_576));
    const quiet = json(await runCli(['doctor', '--json'], { dataDir }));
    assert.deepEqual(quiet.media, [{ eventId: 'conf', files: 1, bytes: 1_048_576 }]);
    assert.deepEqual(quiet.checks.find((c: { name: string }) => c.name === 'recording space'), { name: 'recording space', status: 'ok', detail: 'no live event' });

    await withDb(dataDir, (db) => writeTransaction(db, (trx) => trx.updateTable('events').set({ status: 'live' }).where('id', '=', 'conf').execute()));
    const live = json(await runCli(['doctor', '--json'], { dataDir }));
    const space = live.checks.find((c: { name: string }) => c.name === 'recording space');
    // 2800 + 1400 + 800 kbit/s of video and 128 kbit/s of AAC per rendition.
    assert.match(space.detail, /conf records 5384 kbit\/s \(ladder\), 2\.3 GiB an hour/);
    const human = await runCli(['doctor'], { dataDir });
    assert.match(human.stdout, /Disk use per event \(data\/hls\):\n.*event\s+files\s+size\n.*conf\s+1\s+1\.0 MiB/s);
  });
});
