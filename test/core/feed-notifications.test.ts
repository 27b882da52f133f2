import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { FEED_CHANNEL, FEED_LISTENER_APPLICATION_NAME, FeedNotificationListener, notificationRoundTrip } from '../../src/core/db/feed-notifications.js';
import { createLog } from '../../src/core/log.js';
import { pgQuery as query } from '../helpers/pg-query.js';
import { startTestPlatform } from '../helpers/platform.js';
import { startPostgresCluster } from '../helpers/postgres-cluster.js';
import { createTestPostgresDatabase, dropTestDatabase, testDatabaseKind } from '../helpers/test-database.js';

// Registered in the PostgreSQL pass only (npm test runs both passes), so nothing is ever skipped.
const inPostgresPass = testDatabaseKind() === 'postgres';

/** A fresh database of this test's own on the pass's server (named after a path nobody uses). */
async function databaseUrl(t: { after(fn: () => unknown): void }): Promise<string> {
  const key = path.join(os.tmpdir(), `streamgate-feed-${randomUUID()}`);
  const url = await createTestPostgresDatabase(key);
  t.after(() => dropTestDatabase(key));
  return url;
}

/** Polls until `check` holds, failing after `ms`. */
async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function listen(t: { after(fn: () => unknown): void }, url: string, options: { pingMs?: number; queryTimeoutMs?: number } = {}) {
  const signals: number[] = [];
  const logLines: string[] = [];
  const listener = new FeedNotificationListener({
    databaseUrl: url,
    log: createLog('platform', (line) => logLines.push(line)),
    onSignal: () => signals.push(Date.now()),
    backoffMs: [100, 200],
    ...options,
  });
  listener.start();
  t.after(() => listener.stop());
  return { listener, signals, logLines };
}

/**
 * A TCP relay to the server that can go silent: its connections stay open and carry nothing more,
 * as when a NAT or firewall on the way forgets them. New connections go through.
 */
async function silenceableRelay(t: { after(fn: () => unknown): void }, url: string) {
  const target = new URL(url);
  const sockets = new Set<net.Socket>();
  const silenced = new WeakSet<net.Socket>();
  const relay = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      sockets.add(from);
      from.on('data', (chunk) => void (silenced.has(from) || to.write(chunk)));
      from.on('error', () => undefined);
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    relay.close();
  });
  const relayed = new URL(url);
  relayed.port = String((relay.address() as net.AddressInfo).port);
  return {
    url: relayed.toString(),
    silence: () => sockets.forEach((socket) => silenced.add(socket)),
  };
}

/** Notifies the channel inside a transaction that is held open until `finish` is called. */
async function openTransactionThatNotifies(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('begin');
  await client.query(`select pg_notify($1, '')`, [FEED_CHANNEL]);
  return async (how: 'commit' | 'rollback') => {
    await client.query(how);
    await client.end();
  };
}

/** The listener's backend in this database only: other tests' listeners share the server. */
async function terminateListener(url: string): Promise<number> {
  const rows = await query<{ done: boolean }>(
    url,
    `select pg_terminate_backend(pid) as done from pg_stat_activity where application_name = $1 and datname = current_database()`,
    [FEED_LISTENER_APPLICATION_NAME],
  );
  return rows.filter((r) => r.done).length;
}

if (inPostgresPass) describe('feed notifications (PostgreSQL LISTEN/NOTIFY)', { timeout: 60_000 }, () => {
  it('signals once connected, then on each committed notification and never for a rolled-back one', async (t) => {
    const url = await databaseUrl(t);
    const { listener, signals } = listen(t, url);
    await until(() => listener.connected && signals.length === 1, 5_000, 'the first connection');

    const commit = await openTransactionThatNotifies(url);
    await sleep(300);
    assert.equal(signals.length, 1, 'nothing is heard before the commit');
    await commit('commit');
    await until(() => signals.length === 2, 2_000, 'the committed notification');
    assert.ok(listener.lastNotificationAt > 0);

    const rollback = await openTransactionThatNotifies(url);
    await rollback('rollback');
    await sleep(300);
    assert.equal(signals.length, 2, 'a rolled-back write says nothing');

    const [activity] = await query<{ n: string }>(url, `select count(*) as n from pg_stat_activity where application_name = $1 and datname = current_database()`, [
      FEED_LISTENER_APPLICATION_NAME,
    ]);
    assert.equal(Number(activity!.n), 1, 'one dedicated connection');
  });

  it('reconnects after its backend is terminated, and signals again so the reader re-reads from its cursor', async (t) => {
    const url = await databaseUrl(t);
    const { listener, signals, logLines } = listen(t, url);
    await until(() => listener.connected, 5_000, 'the first connection');
    assert.equal(await terminateListener(url), 1);
    await until(() => listener.connections === 2 && listener.connected, 5_000, 'the reconnection');
    assert.equal(signals.length, 2, 'one signal per connection');
    assert.ok(logLines.some((l) => l.includes('lost its connection')), logLines.join(''));

    await query(url, `select pg_notify($1, '')`, [FEED_CHANNEL]);
    await until(() => signals.length === 3, 2_000, 'a notification after the reconnection');
  });

  it('notices a connection that went silent (no error, no close) by its ping, and connects anew', async (t) => {
    const url = await databaseUrl(t);
    const relay = await silenceableRelay(t, url);
    const { listener, signals, logLines } = listen(t, relay.url, { pingMs: 200, queryTimeoutMs: 500 });
    await until(() => listener.connected, 5_000, 'the first connection');
    relay.silence();
    await query(url, `select pg_notify($1, '')`, [FEED_CHANNEL]);
    await sleep(300);
    assert.equal(signals.length, 1, 'the silent connection hears nothing');
    await until(() => listener.connections === 2 && listener.connected, 5_000, 'a new connection');
    assert.equal(signals.length, 2, 'the new connection signals: the reader catches up from its cursor');
    assert.ok(logLines.some((l) => l.includes('lost its connection')), logLines.join(''));
    await query(url, `select pg_notify($1, '')`, [FEED_CHANNEL]);
    await until(() => signals.length === 3, 2_000, 'a notification on the new connection');
  });

  it('survives a PostgreSQL restart and hears notifications made afterwards', async (t) => {
    // A server of its own: the pass's server is shared by every test.
    const server = await startPostgresCluster();
    t.after(() => server.remove());
    const { listener, signals } = listen(t, server.url);
    await until(() => listener.connected, 5_000, 'the first connection');
    server.stop('immediate');
    await until(() => !listener.connected, 5_000, 'the loss to be noticed');
    server.start();
    await until(() => listener.connected, 10_000, 'the reconnection after the restart');
    const before = signals.length;
    await query(server.url, `select pg_notify($1, '')`, [FEED_CHANNEL]);
    await until(() => signals.length === before + 1, 2_000, 'a notification after the restart');
  });

  it('measures a notification round trip, and says null when the listening session hears nothing', async (t) => {
    const platform = await startTestPlatform(t);
    const ms = await notificationRoundTrip(platform.db, platform.config.databaseUrl);
    assert.equal(typeof ms, 'number');
    // Notifications stay within their database: a LISTEN elsewhere is what a pooler in
    // transaction mode amounts to, a session that is not the one that will hear.
    assert.equal(await notificationRoundTrip(platform.db, await databaseUrl(t), 300), null);
  });

  it('stops for good: no reconnection after stop()', async (t) => {
    const url = await databaseUrl(t);
    const { listener } = listen(t, url);
    await until(() => listener.connected, 5_000, 'the first connection');
    await listener.stop();
    await sleep(400);
    assert.equal(listener.connected, false);
    const [activity] = await query<{ n: string }>(url, `select count(*) as n from pg_stat_activity where application_name = $1 and datname = current_database()`, [
      FEED_LISTENER_APPLICATION_NAME,
    ]);
    assert.equal(Number(activity!.n), 0);
  });
});
