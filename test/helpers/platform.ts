import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { issueCodes, memoryCodeSink } from '../../src/core/codes/code-issue.js';
import { loadConfig, type Config } from '../../src/core/config.js';
import { openDatabase, type Db } from '../../src/core/db/database.js';
import { createEvent } from '../../src/core/events/event-service.js';
import { createLog } from '../../src/core/log.js';
import { ensureSecretFile, loadKeyring, type Keyring } from '../../src/core/secret-store.js';
import { LiveKeyring } from '../../src/core/live-keyring.js';
import { createMountedEdge } from '../../src/edge/mounted-edge.js';
import { createPlatformApp, type PlatformApp } from '../../src/server/app.js';
import { tempDir } from './cli.js';
import { dropTestDatabase, testDatabaseEnv } from './test-database.js';

export interface TestPlatform {
  /** Stops the HTTP server now (as if the platform died); the rest is cleaned up after the test. */
  kill(): Promise<void>;
  url: string;
  dataDir: string;
  config: Config;
  db: Db;
  keyring: Keyring;
  /** The app's feed hub and, on PostgreSQL, its LISTEN connection. */
  app: PlatformApp;
  /** The injected clock: move it forward with `advance`. */
  now(): number;
  advance(ms: number): void;
  logLines: string[];
  codes(count: number, options?: { eventId?: string; label?: string; expiresInMs?: number; devices?: number }): Promise<string[]>;
  post(pathname: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; json: any }>;
}

/**
 * A real platform on 127.0.0.1 with an ephemeral port, a real database (a SQLite file, or in the
 * PostgreSQL pass a fresh PostgreSQL database) and an event `conf`.
 */
export async function startTestPlatform(
  t: { after(fn: () => unknown): void },
  env: Record<string, string> = {},
  /**
   * liveKeys: follow data/secret like `serve` does (LiveKeyring), for `keys rotate|revoke` tests.
   * sqlite: SQLite in both passes, for tests about SQLite itself.
   * replicaOf: a second replica of that platform (its data directory, secret and database), with
   * a database connection and an app of its own, on the same injected clock (as two processes share
   * the system's); `env` and `sqlite` are then ignored.
   */
  options: { mountEdge?: boolean; liveKeys?: boolean; sqlite?: boolean; replicaOf?: TestPlatform } = {},
): Promise<TestPlatform> {
  const replicaOf = options.replicaOf;
  const root = replicaOf ? null : tempDir();
  const dataDir = replicaOf?.dataDir ?? path.join(root!, 'data');
  if (!replicaOf) fs.mkdirSync(dataDir);
  const database = options.sqlite || replicaOf ? {} : await testDatabaseEnv(dataDir);
  const config = replicaOf?.config ?? loadConfig({ STREAMGATE_DATA_DIR: dataDir, ...database, ...env });
  if (!replicaOf) ensureSecretFile(config);
  const db = await openDatabase(config, { create: true });
  const live = options.liveKeys ? LiveKeyring.forPlatform(config, createLog('keys', () => undefined)) : null;
  const keyring: Keyring = live ?? loadKeyring(config);
  let now = Date.now();
  const clock = replicaOf ? replicaOf.now : () => now;
  const logLines: string[] = [];
  if (!replicaOf) await createEvent({ db, clock, actor: 'test', keyring }, { id: 'conf', title: 'Conf', rewatchHours: 48 });
  const log = createLog('platform', (line) => logLines.push(line));
  const mounted = options.mountEdge ? createMountedEdge(config, log) : null;
  const platform = createPlatformApp({ config, db, keyring, clock, log }, { streams: mounted?.router });
  const server = http.createServer(platform.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  mounted?.start(url);
  t.after(async () => {
    mounted?.stop();
    live?.stop();
    await platform.close();
    server.closeAllConnections();
    await new Promise((resolve) => (server.listening ? server.close(resolve) : resolve(undefined)));
    await db.destroy();
    // The first replica owns the data directory and the database: it removes them.
    if (root) {
      fs.rmSync(root, { recursive: true, force: true });
      if (!options.sqlite) await dropTestDatabase(dataDir);
    }
  });
  return {
    kill: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
    url,
    dataDir,
    config,
    db,
    keyring,
    app: platform,
    now: clock,
    advance: replicaOf ? replicaOf.advance : (ms) => void (now += ms),
    logLines,
    async codes(count, options = {}) {
      const sink = memoryCodeSink();
      await issueCodes(
        { db, clock, pepper: keyring.pepper, actor: 'test' },
        { eventId: options.eventId ?? 'conf', count, label: options.label, expiresInMs: options.expiresInMs, devices: options.devices },
        sink,
      );
      return sink.rows.map((r) => r.code);
    },
    async post(pathname, body, headers = {}) {
      const response = await fetch(`${url}${pathname}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : null };
    },
  };
}
