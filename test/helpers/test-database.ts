import { createHash } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';

/**
 * Which database the suite runs on: `STREAMGATE_TEST_DATABASE=sqlite|postgres`, set by
 * scripts/run-tests.js for each pass (SQLite when unset). On PostgreSQL every data directory gets
 * a fresh database of its own on the server at `STREAMGATE_TEST_POSTGRES_URL`, so tests stay as
 * independent as they are with a file per data directory.
 */
export type TestDatabaseKind = 'sqlite' | 'postgres';

export function testDatabaseKind(): TestDatabaseKind {
  const kind = process.env.STREAMGATE_TEST_DATABASE ?? 'sqlite';
  if (kind !== 'sqlite' && kind !== 'postgres') throw new Error(`STREAMGATE_TEST_DATABASE: must be sqlite or postgres (got ${kind})`);
  return kind;
}

/** The server every PostgreSQL test database lives on (its maintenance database `postgres`). */
export function testPostgresServerUrl(): string {
  const url = process.env.STREAMGATE_TEST_POSTGRES_URL;
  if (!url) throw new Error('STREAMGATE_TEST_POSTGRES_URL: needed when STREAMGATE_TEST_DATABASE=postgres (scripts/run-tests.js sets it)');
  return url;
}

/** The database name for a data directory: derived from its path, so every helper agrees on it. */
export function testDatabaseName(dataDir: string): string {
  return `streamgate_test_${createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 20)}`;
}

function urlFor(database: string): string {
  const url = new URL(testPostgresServerUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

const created = new Map<string, Promise<void>>();

/** Runs `statement` on the server's maintenance database. */
export async function onTestServer<T extends pg.QueryResultRow = pg.QueryResultRow>(statement: string, values: unknown[] = []): Promise<pg.QueryResult<T>> {
  const client = new pg.Client({ connectionString: testPostgresServerUrl(), connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await client.query<T>(statement, values);
  } finally {
    await client.end();
  }
}

/**
 * A fresh PostgreSQL database for `dataDir`, created on first use, and its URL. From template0:
 * nothing an earlier test put into template1 can leak in.
 */
export async function createTestPostgresDatabase(dataDir: string): Promise<string> {
  const name = testDatabaseName(dataDir);
  let creating = created.get(name);
  if (!creating) {
    creating = onTestServer(`create database "${name}" template template0 encoding 'UTF8'`).then(
      () => undefined,
      (error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // duplicate_database: another process made it first
      },
    );
    created.set(name, creating);
  }
  await creating;
  return urlFor(name);
}

/**
 * What to merge into the environment of a `streamgate` process (or into `loadConfig`) for
 * `dataDir`: nothing on SQLite (the file in the data directory), `DATABASE_URL` on PostgreSQL.
 */
export async function testDatabaseEnv(dataDir: string): Promise<Record<string, string>> {
  if (testDatabaseKind() === 'sqlite') return {};
  return { DATABASE_URL: await createTestPostgresDatabase(dataDir) };
}

/** Drops `dataDir`'s database, if the PostgreSQL pass made one; for the clean-up after a test. */
export async function dropTestDatabase(dataDir: string): Promise<void> {
  if (testDatabaseKind() === 'sqlite') return;
  const name = testDatabaseName(dataDir);
  created.delete(name);
  await onTestServer(`drop database if exists "${name}" with (force)`);
}

/**
 * For a test file about SQLite itself (its lock, its files): SQLite whatever the pass. Call at the
 * top of the file; each test file runs in a process of its own. When both passes run,
 * scripts/run-tests.js runs such a file in the SQLite pass only (it finds this call).
 */
export function useSqliteInEveryPass(): void {
  process.env.STREAMGATE_TEST_DATABASE = 'sqlite';
}

/**
 * For a test file that spends minutes on one thing the database barely takes part in (a native
 * player following a live event through a personal link): when both passes run,
 * scripts/run-tests.js runs it in the SQLite pass only (it finds this call), since the PostgreSQL
 * pass would repeat the same minutes of playback. Run alone, either pass runs it.
 */
export function runInOnePass(): void {
  // A marker: nothing to set up.
}
