import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { ABANDONED_BATCH_MS, createCodeBatch, deleteAbandonedBatches } from '../../src/core/codes/code-batch.js';
import { openDatabase, writeTransaction, type Db } from '../../src/core/db/database.js';
import { loadConfig } from '../../src/core/config.js';
import { LATEST_MIGRATION } from '../../src/core/db/migrations.js';
import { ensureSecretFile } from '../../src/core/secret-store.js';
import { startSession } from '../../src/core/sessions/session-service.js';
import { BIN, initialisedDataDir, tempDir } from '../helpers/cli.js';
import { startTestPlatform } from '../helpers/platform.js';
import { startPostgresCluster } from '../helpers/postgres-cluster.js';
import { dropTestDatabase, testDatabaseEnv, testDatabaseKind } from '../helpers/test-database.js';

// What only PostgreSQL can get wrong: several processes (replicas) with pools of their own.
// Registered in the PostgreSQL pass only (npm test runs both passes), so nothing is ever skipped.
const inPostgresPass = testDatabaseKind() === 'postgres';

/** The write lock's advisory lock id (postgres-database.ts). */
const WRITE_LOCK_ID = '8319400191411971937';

async function count(db: Db, table: 'access_codes' | 'codes' | 'code_batches' | 'sessions'): Promise<number> {
  const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return row.n;
}

if (inPostgresPass) describe('PostgreSQL', () => {
  it('keeps one active session per code when 12 validations race through three replicas\' pools', async (t) => {
    const platform = await startTestPlatform(t);
    const [code] = await platform.codes(1);
    // Three Db instances: three pools and three in-process writer queues, as three replicas have.
    const replicas = [platform.db, await openDatabase(platform.config), await openDatabase(platform.config)];
    t.after(() => Promise.all(replicas.slice(1).map((db) => db.destroy())));
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        startSession(
          { db: replicas[i % 3]!, clock: platform.now, keyring: platform.keyring, tokenTtlSeconds: 300 },
          { code: code!, deviceId: `device-${i}`, clientIp: null, userAgent: null },
        ),
      ),
    );
    const granted = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as { code?: string }).code] : []));
    assert.equal(granted.length, 1);
    assert.deepEqual(refused, Array(11).fill('device_conflict'));
    assert.equal(await platform.db.selectFrom('sessions').select('id').where('ended_at', 'is', null).execute().then((r) => r.length), 1);
  });

  it('opens one session when 12 validations race for a code whose session went stale, and ends the stale one once', async (t) => {
    const platform = await startTestPlatform(t);
    const [code] = await platform.codes(1);
    const replicas = [platform.db, await openDatabase(platform.config), await openDatabase(platform.config)];
    t.after(() => Promise.all(replicas.slice(1).map((db) => db.destroy())));
    const deps = (db: Db) => ({ db, clock: platform.now, keyring: platform.keyring, tokenTtlSeconds: 300 });
    const first = await startSession(deps(platform.db), { code: code!, deviceId: 'device-first', clientIp: null, userAgent: null });
    platform.advance(91_000); // silent past the session timeout
    const outcomes = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => startSession(deps(replicas[i % 3]!), { code: code!, deviceId: `device-${i}`, clientIp: null, userAgent: null })),
    );
    assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
    assert.deepEqual(outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as { code?: string }).code] : [])), Array(11).fill('device_conflict'));
    const ended = await platform.db.selectFrom('revocations').select('session_id').where('kind', '=', 'session_ended').execute();
    assert.deepEqual(ended.map((r) => r.session_id), [first.sessionId], 'the stale session ended once, and the edges told');
  });

  it('runs write transactions of different codes side by side, one at a time per code, and none beside another writer', async (t) => {
    const platform = await startTestPlatform(t);
    const db = platform.db;
    const withDeadline = <T>(promise: Promise<T>, ms: number) =>
      Promise.race([promise, sleep(ms).then(() => Promise.reject(new Error(`not within ${ms} ms: the transactions did not run side by side`)))]);
    // Each of two codes' transactions waits, inside its transaction, until the other has begun.
    let begun = 0;
    const meetTheOther = async () => {
      begun++;
      while (begun < 2) await sleep(5);
    };
    await Promise.all(['code000000000001', 'code000000000002'].map((id) => writeTransaction(db, () => withDeadline(meetTheOther(), 5_000), { lock: { code: id } })));

    // The same code: the second begins only once the first has committed.
    let inside = 0;
    let most = 0;
    const alone = async () => {
      most = Math.max(most, ++inside);
      await sleep(50);
      inside--;
    };
    await Promise.all(Array.from({ length: 4 }, () => writeTransaction(db, alone, { lock: { code: 'code000000000003' } })));
    assert.equal(most, 1, 'one transaction at a time per code');

    // A whole-database writer elsewhere (another replica) holds the lock: the code waits, then answers busy.
    const holder = new pg.Client({ connectionString: platform.config.databaseUrl });
    holder.on('error', () => undefined);
    await holder.connect();
    t.after(() => holder.end());
    await holder.query(`select pg_advisory_lock(${WRITE_LOCK_ID})`);
    await assert.rejects(writeTransaction(db, async () => undefined, { lock: { code: 'code000000000004' }, lockWaitMs: 300 }), (error: { code?: string }) => error.code === 'busy');
    await assert.rejects(writeTransaction(db, async () => undefined, { lock: 'shared', lockWaitMs: 300 }), (error: { code?: string }) => error.code === 'busy');
    await holder.query(`select pg_advisory_unlock(${WRITE_LOCK_ID})`);
    // …and a code's transaction elsewhere keeps a whole-database writer out until it ends.
    await holder.query(`select pg_advisory_lock_shared(${WRITE_LOCK_ID})`);
    await assert.rejects(writeTransaction(db, async () => undefined, { lockWaitMs: 300 }), (error: { code?: string }) => error.code === 'busy');
    await writeTransaction(db, async () => undefined, { lock: { code: 'code000000000004' }, lockWaitMs: 2_000 });
    await holder.query(`select pg_advisory_unlock_shared(${WRITE_LOCK_ID})`);
    await writeTransaction(db, async () => undefined, { lockWaitMs: 2_000 });
  });

  it('migrates an empty database once when three replicas start at the same time', async (t) => {
    const dataDir = path.join(tempDir(), 'data');
    fs.mkdirSync(dataDir);
    const config = loadConfig({ STREAMGATE_DATA_DIR: dataDir, ...(await testDatabaseEnv(dataDir)) });
    ensureSecretFile(config);
    const replicas = await Promise.all([1, 2, 3].map(() => openDatabase(config)));
    t.after(async () => {
      await Promise.all(replicas.map((db) => db.destroy()));
      fs.rmSync(path.dirname(dataDir), { recursive: true, force: true });
      await dropTestDatabase(dataDir);
    });
    const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(replicas[0]!);
    assert.equal(applied.rows.at(-1)?.name, LATEST_MIGRATION);
    assert.equal(new Set(applied.rows.map((r) => r.name)).size, applied.rows.length, 'each migration ran once');
    assert.equal(await count(replicas[2]!, 'codes'), 0);
  });

  it('refuses a write outside writeTransaction: the shared pool reads only', async (t) => {
    const platform = await startTestPlatform(t);
    await assert.rejects(
      platform.db.insertInto('audit_log').values({ at: 1, actor: 'test', action: 'sneaky', target: null, ip: null, details: null }).execute(),
      (error: { code?: string }) => error.code === '25006', // read_only_sql_transaction
    );
  });

  it('answers busy when another session holds the write lock past the wait, and writes after', async (t) => {
    const platform = await startTestPlatform(t);
    const holder = new pg.Client({ connectionString: platform.config.databaseUrl });
    holder.on('error', () => undefined); // the clean-up drops the database under it
    await holder.connect();
    await holder.query(`select pg_advisory_lock(${WRITE_LOCK_ID})`);
    const started = Date.now();
    await assert.rejects(
      writeTransaction(platform.db, (trx) => trx.insertInto('audit_log').values({ at: 1, actor: 'test', action: 'waits', target: null, ip: null, details: null }).execute(), { lockWaitMs: 300 }),
      (error: { code?: string }) => error.code === 'busy',
    );
    assert.ok(Date.now() - started < 2_000, 'gave up near its deadline');
    await holder.query(`select pg_advisory_unlock(${WRITE_LOCK_ID})`);
    await holder.end();
    await writeTransaction(platform.db, (trx) => trx.insertInto('audit_log').values({ at: 1, actor: 'test', action: 'writes', target: null, ip: null, details: null }).execute());
  });

  it('leaves no code of a batch that fails before its commit', async (t) => {
    const platform = await startTestPlatform(t);
    const before = await count(platform.db, 'access_codes');
    await assert.rejects(
      createCodeBatch(
        { db: platform.db, clock: platform.now, pepper: platform.keyring.pepper },
        { eventId: 'conf', count: 12_000, expiresAt: platform.now() + 86_400_000, label: null, devices: 1 },
        { onCodes: () => undefined, beforeCommit: () => { throw new Error('the CSV could not be written'); }, inCommit: async () => undefined },
      ),
      /the CSV could not be written/,
    );
    assert.equal(await count(platform.db, 'access_codes'), before);
    assert.equal(await count(platform.db, 'code_batches'), 0);
  });

  it('kill -9 in the middle of a batch leaves no code usable, and the leftovers are cleaned', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const database = await testDatabaseEnv(dataDir);
    const out = path.join(dataDir, '..', 'killed.csv');
    const child = spawn(process.execPath, [BIN, 'tokens', 'create', '--event', 'conf', '--count', '400000', '--out', out], {
      env: { ...process.env, STREAMGATE_DATA_DIR: dataDir, ...database },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('close', resolve));
    t.after(() => child.kill('SIGKILL'));
    const db = await openDatabase(loadConfig({ STREAMGATE_DATA_DIR: dataDir, ...database }));
    t.after(() => db.destroy());
    const deadline = Date.now() + 120_000;
    while ((await count(db, 'access_codes')) < 50_000 && Date.now() < deadline) await sleep(5);
    child.kill('SIGKILL');
    await exited;
    const pending = await count(db, 'access_codes');
    assert.ok(pending >= 50_000 && pending < 400_000, `killed mid-batch (${pending} rows stored)`);
    assert.equal(await count(db, 'codes'), 0, 'no code of the batch is visible');
    assert.equal(fs.existsSync(out), false, 'no CSV with codes that do not work');
    assert.equal(await deleteAbandonedBatches(db, Date.now()), 0, 'a batch only just abandoned is left alone');
    assert.equal(await deleteAbandonedBatches(db, Date.now() + ABANDONED_BATCH_MS + 1_000), 1);
    assert.equal(await count(db, 'access_codes'), 0);
  });

  it('answers 503 database_unavailable while the server is down, and recovers without a restart', { timeout: 120_000 }, async (t) => {
    const cluster = await startPostgresCluster();
    t.after(() => cluster.remove());
    const platform = await startTestPlatform(t, { DATABASE_URL: cluster.url });
    const [first, second] = await platform.codes(2);
    const validate = (code: string, deviceId: string) => platform.post('/api/tokens/validate', { code, deviceId });
    const played = await validate(first!, 'device-a');
    assert.equal(played.status, 200, JSON.stringify(played.json));

    cluster.stop('immediate'); // every connection of the pool dies at once
    for (const attempt of [validate(second!, 'device-b'), platform.post('/api/sessions/heartbeat', { sessionId: played.json.sessionId }, { Authorization: `Bearer ${played.json.token}` })]) {
      const down = await attempt;
      assert.equal(down.status, 503, JSON.stringify(down.json));
      assert.equal(down.json.error.code, 'database_unavailable');
      assert.equal(down.headers.get('retry-after'), '2');
    }

    cluster.start();
    const again = await validate(second!, 'device-b');
    assert.equal(again.status, 200, `${JSON.stringify(again.json)}\n${platform.logLines.join('')}`);
    const beat = await platform.post('/api/sessions/heartbeat', { sessionId: played.json.sessionId }, { Authorization: `Bearer ${played.json.token}` });
    assert.equal(beat.status, 200, JSON.stringify(beat.json));
    assert.ok(!platform.logLines.some((line) => /unhandled error/.test(line)), 'no 500s on the way');
  });
});
