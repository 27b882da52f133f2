import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { revokeCodes } from '../../src/core/codes/code-revocation.js';
import { FEED_LISTENER_APPLICATION_NAME } from '../../src/core/db/feed-notifications.js';
import type { FeedEntry } from '../../src/core/revocation-feed.js';
import { createLog } from '../../src/core/log.js';
import { FeedHub } from '../../src/server/feed-hub.js';
import { runCli } from '../helpers/cli.js';
import { makeVodFixture, startTestEdge, type TestEdge } from '../helpers/edge.js';
import { pgQuery as query } from '../helpers/pg-query.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { startPostgresCluster } from '../helpers/postgres-cluster.js';
import { testDatabaseKind } from '../helpers/test-database.js';

// Several platform replicas on one PostgreSQL database, an edge on each: a revocation written
// anywhere (a replica, the CLI) reaches every edge within a second, by LISTEN/NOTIFY, and the
// feed's cursor makes up for notifications lost while a replica was disconnected.

// Registered in the PostgreSQL pass only (npm test runs both passes), so nothing is ever skipped.
const inPostgresPass = testDatabaseKind() === 'postgres';

type T = { after(fn: () => unknown): void };

async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
  return Date.now() - started;
}

/**
 * Two replicas sharing one database (the pass's, or `databaseUrl`), and an edge connected to
 * each. Replica `b` has a pool, a LISTEN connection and an app of its own, as another process has.
 */
async function cluster(t: T, databaseUrl?: string) {
  const a = await startTestPlatform(t, databaseUrl ? { DATABASE_URL: databaseUrl } : {});
  const b = await startTestPlatform(t, {}, { replicaOf: a });
  const edgeA = await startTestEdge(t, a);
  const edgeB = await startTestEdge(t, b);
  await until(() => Boolean(a.app.feedListener?.connected && b.app.feedListener?.connected), 5_000, 'both replicas to LISTEN');
  await until(() => edgeA.sync.connected && edgeB.sync.connected, 5_000, 'both edges to connect');
  return { databaseUrl: a.config.databaseUrl, a, b, edgeA, edgeB };
}

/** Records when each feed entry reached the edge (the revocation list applies it the moment it arrives). */
function arrivals(edge: TestEdge): Map<string, number> {
  const seen = new Map<string, number>();
  const apply = edge.revocations.apply.bind(edge.revocations);
  edge.revocations.apply = (entries: FeedEntry[]) => {
    for (const entry of entries) if (entry.codeId && !seen.has(entry.codeId)) seen.set(entry.codeId, Date.now());
    apply(entries);
  };
  return seen;
}

async function terminateListeners(databaseUrl: string): Promise<number> {
  const rows = await query<{ done: boolean }>(
    databaseUrl,
    `select pg_terminate_backend(pid) as done from pg_stat_activity where application_name = $1 and datname = current_database()`,
    [FEED_LISTENER_APPLICATION_NAME],
  );
  return rows.filter((r) => r.done).length;
}

const revokeDeps = (platform: TestPlatform) => ({ db: platform.db, clock: Date.now, pepper: platform.keyring.pepper, actor: 'test' });

if (inPostgresPass) describe('revocation push across replicas (PostgreSQL)', { timeout: 120_000 }, () => {
  it('a CLI revocation reaches an edge connected to another replica within 1 s', async (t) => {
    const { databaseUrl, a, b, edgeB } = await cluster(t);
    makeVodFixture(a.dataDir);
    const [code] = await a.codes(1);
    const { json } = await a.post('/api/tokens/validate', { code, deviceId: 'device-aaaa' });
    const playlist = () => fetch(`${edgeB.url}/streams/conf/index.m3u8`, { headers: { Authorization: `Bearer ${json.token}` } }).then((r) => r.status);
    assert.equal(await playlist(), 200);
    const revoke = await runCli(['tokens', 'revoke', code!], { dataDir: a.dataDir, env: { DATABASE_URL: databaseUrl } });
    assert.equal(revoke.code, 0, revoke.stderr);
    // Timed from the committed revocation (the CLI's exit), not from the CLI's own start-up.
    const tookMs = await until(async () => (await playlist()) === 403, 3_000, 'edge B to refuse the code');
    assert.ok(tookMs < 1_000, `edge B refused the code ${tookMs} ms after the revocation`);
    assert.ok(b.app.feedListener!.lastNotificationAt > 0, 'replica B heard of it by notification');
  });

  it('50 revocations through either replica reach both edges within 1 s each', async (t) => {
    const { a, b, edgeA, edgeB } = await cluster(t);
    const codes = await a.codes(50);
    const seenA = arrivals(edgeA);
    const seenB = arrivals(edgeB);
    const committed: number[] = [];
    for (const [i, code] of codes.entries()) {
      await revokeCodes(revokeDeps(i % 2 ? b : a), { codes: [code] }, null);
      committed.push(Date.now());
      await sleep(20);
    }
    await until(() => seenA.size === 50 && seenB.size === 50, 3_000, 'every revocation at both edges');
    const ids = [...seenA.keys()];
    const latencies = ids.flatMap((id, i) => [seenA.get(id)! - committed[i]!, seenB.get(id)! - committed[i]!]).sort((x, y) => x - y);
    const p50 = latencies[Math.floor(latencies.length / 2)]!;
    const max = latencies.at(-1)!;
    t.diagnostic(`revocation → edge over ${latencies.length} deliveries: p50 ${p50} ms, max ${max} ms`);
    assert.ok(max < 1_000, `slowest delivery ${max} ms`);
  });

  it('loses nothing when the LISTEN connections are killed while revocations are written', async (t) => {
    const { databaseUrl, a, b, edgeA, edgeB } = await cluster(t);
    const codes = await a.codes(40);
    const writing = (async () => {
      for (const [i, code] of codes.entries()) {
        await revokeCodes(revokeDeps(i % 2 ? b : a), { codes: [code] }, null);
        await sleep(10);
      }
    })();
    await sleep(100);
    assert.equal(await terminateListeners(databaseUrl), 2, 'both replicas listen, on their own connections');
    await writing;
    await until(() => a.app.feedListener!.connections >= 2 && b.app.feedListener!.connections >= 2, 5_000, 'the listeners to reconnect');
    await until(() => edgeA.revocations.size === 40 && edgeB.revocations.size === 40, 3_000, 'all 40 revocations at both edges');
    assert.ok(a.logLines.some((l) => l.includes('revocation feed listener lost its connection')));
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    assert.match(metrics, /^streamgate_feed_listener_connected 1$/m);
    assert.match(metrics, /^streamgate_feed_listener_last_notification_age_seconds \d+(\.\d+)?(e-\d+)?$/m);
  });

  it('says once that its feed polls fail while the database is away, and once that they work again', async (t) => {
    const server = await startPostgresCluster();
    let removed = false;
    const remove = () => void (removed || (server.remove(), (removed = true)));
    try {
      const platform = await startTestPlatform(t, { DATABASE_URL: server.url });
      t.after(remove);
      const lines: string[] = [];
      const hub = new FeedHub({ db: platform.db, clock: Date.now, log: createLog('platform', (l) => lines.push(l)), windowMs: 60_000, pollMs: () => 10 });
      t.after(() => hub.stop());
      hub.subscribe(0, () => undefined);
      server.stop('immediate');
      await sleep(500);
      server.start();
      await until(() => lines.some((l) => l.includes('revocation feed poll works again')), 10_000, 'the polls to work again');
      assert.equal(lines.filter((l) => l.includes('revocation feed poll failed')).length, 1, lines.join(''));
    } catch (error) {
      remove();
      throw error;
    }
  });

  it('a replica survives a PostgreSQL restart and delivers revocations made afterwards', async (t) => {
    // A server of its own, removed after the replicas have closed (hooks run in the order added).
    const server = await startPostgresCluster();
    let removed = false;
    const remove = () => void (removed || (server.remove(), (removed = true)));
    try {
      const { a, b, edgeA, edgeB } = await cluster(t, server.url);
      t.after(remove);
      const [before, after] = await a.codes(2);
      await revokeCodes(revokeDeps(a), { codes: [before!] }, null);
      await until(() => edgeA.revocations.size === 1 && edgeB.revocations.size === 1, 1_000, 'the first revocation');
      server.stop('fast');
      server.start();
      await until(() => Boolean(a.app.feedListener?.connected && b.app.feedListener?.connected), 10_000, 'both listeners back');
      // The pools' connections died with the server too: this write needs a fresh one.
      await until(
        () =>
          revokeCodes(revokeDeps(b), { codes: [after!] }, null).then(
            () => true,
            () => false,
          ),
        10_000,
        'a write after the restart',
      );
      await until(() => edgeA.revocations.size === 2 && edgeB.revocations.size === 2, 1_000, 'the revocation made after the restart');
      assert.equal((await fetch(`${a.url}/healthz`)).status, 200);
    } catch (error) {
      remove();
      throw error;
    }
  });
});
