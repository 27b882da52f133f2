import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { tempDir } from './cli.js';

/** A database to copy into, and a way to look at what it holds (raw SQL, no StreamGate code). */
export interface CopyTarget {
  kind: 'sqlite' | 'postgres';
  url: string;
  /** Rows of a raw query; `?` placeholders on SQLite, `$1` on PostgreSQL. */
  query<T = Record<string, unknown>>(text: string): Promise<T[]>;
  count(table: string): Promise<number>;
  /** Runs statements that change the target (a test's sabotage). */
  exec(statements: string): Promise<void>;
}

/**
 * The PostgreSQL server to create target databases on: the one scripts/run-tests.js starts for its
 * PostgreSQL pass (or any server a developer names), whatever database the pass gives the source.
 */
const serverUrl = (): string | undefined => process.env.STREAMGATE_TEST_POSTGRES_URL;

/** A new, empty SQLite file, removed when the test ends. */
export function sqliteTarget(t: { after(fn: () => unknown): void }): CopyTarget {
  const dir = tempDir('streamgate-copy-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'target.db');
  const query = async <T>(text: string): Promise<T[]> => {
    const db = new BetterSqlite3(file, { readonly: true });
    try {
      return db.prepare(text).all() as T[];
    } finally {
      db.close();
    }
  };
  const exec = async (statements: string): Promise<void> => {
    const db = new BetterSqlite3(file);
    try {
      db.exec(statements);
    } finally {
      db.close();
    }
  };
  return { kind: 'sqlite', url: `sqlite:${file}`, query, exec, count: async (table) => Number((await query<{ n: number }>(`select count(*) as n from ${table}`))[0]!.n) };
}

/** A new, empty PostgreSQL database on the test server, dropped when the test ends. */
export async function postgresTarget(t: { after(fn: () => unknown): void }): Promise<CopyTarget> {
  const name = `db_copy_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template template0 encoding 'UTF8'`);
  } finally {
    await admin.end();
  }
  t.after(async () => {
    const dropper = new pg.Client({ connectionString: serverUrl() });
    await dropper.connect();
    try {
      await dropper.query(`drop database if exists ${name} with (force)`);
    } finally {
      await dropper.end();
    }
  });
  const url = new URL(serverUrl()!);
  url.pathname = `/${name}`;
  const query = async <T>(text: string): Promise<T[]> => {
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      return (await client.query(text)).rows as T[];
    } finally {
      await client.end();
    }
  };
  const exec = async (statements: string): Promise<void> => void (await query(statements));
  return { kind: 'postgres', url: url.toString(), query, exec, count: async (table) => Number((await query<{ n: string }>(`select count(*) as n from ${table}`))[0]!.n) };
}

/** Whether a test PostgreSQL server is named (npm test's PostgreSQL pass sets it). */
export function postgresNamed(): boolean {
  return Boolean(serverUrl());
}
