import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

const BIN = process.env.STREAMGATE_TEST_POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';

/** True when this machine can run a private PostgreSQL server (the binaries are installed). */
export const canRunPostgres = fs.existsSync(path.join(BIN, 'pg_ctl'));

export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:PORT/postgres (trust authentication, loopback only). */
  url: string;
  /** A URL for another database on this server. */
  urlFor(database: string): string;
  stop(): void;
  start(): void;
  /** A fast shutdown and a start: every connection is cut, as when an operator restarts it. */
  restart(): void;
  /** Stops the server and removes its folder (registered with `t.after` when a `t` was given). */
  dispose(): void;
}

type After = { after(fn: () => unknown): void } | null;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A private, throwaway PostgreSQL server (initdb + pg_ctl into a temporary folder) for the tests
 * that stop or restart the server: the shared one must never be restarted under other tests.
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.
 */
export async function startPostgresServer(t: After): Promise<PostgresServer> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'streamgate-pg-'));
  const dataDir = path.join(root, 'data');
  const port = await freePort();
  const asPostgres = process.getuid?.() === 0;
  if (asPostgres) execFileSync('chown', ['postgres:postgres', root]);
  fs.chmodSync(root, 0o755);
  const run = (command: string, args: string[]) => {
    const [file, argv] = asPostgres ? ['runuser', ['-u', 'postgres', '--', path.join(BIN, command), ...args]] : [path.join(BIN, command), args];
    execFileSync(file, argv, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
  };
  run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  const start = () => run('pg_ctl', ['-D', dataDir, '-o', options, '-l', path.join(root, 'log'), '-w', '-t', '30', 'start']);
  const stop = () => run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '30', 'stop']);
  start();
  const dispose = () => {
    try {
      stop();
    } catch {
      // already stopped by the test
    }
    fs.rmSync(root, { recursive: true, force: true });
  };
  t?.after(dispose);
  const urlFor = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    url: urlFor('postgres'),
    urlFor,
    start,
    stop,
    restart() {
      stop();
      start();
    },
    dispose,
  };
}

/** Runs one statement on a short-lived connection (never one the code under test holds). */
export async function query<T extends pg.QueryResultRow = pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000, query_timeout: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * A fresh database on `serverUrl` (its name begins with `prefix`). `drop` removes it, whoever is
 * still connected; with a `t` it runs after the test.
 */
export async function temporaryDatabase(t: After, serverUrl: string, prefix = 'feed_push_'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await query(serverUrl, `create database "${name}"`);
  const drop = () => query(serverUrl, `drop database if exists "${name}" with (force)`).then(() => undefined, () => undefined);
  t?.after(drop);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop };
}
