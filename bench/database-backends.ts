// The two databases the comparison runs on: SQLite files, and PostgreSQL, either a throwaway server
// of our own (initdb into a temporary folder, default settings: fsync and synchronous commit on) or
// STREAMGATE_BENCH_POSTGRES_URL. Each measurement gets a database of its own, so none inherits
// another's rows.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startPostgresCluster } from '../test/helpers/postgres-cluster.js';

export interface Backend {
  name: 'SQLite' | 'PostgreSQL';
  /** DATABASE_URL of a new, empty database. */
  fresh(): Promise<string>;
  /** Drops what it created and stops what it started. */
  close(): Promise<void>;
}

export function sqliteBackend(): Backend {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamgate-bench-sqlite-'));
  let n = 0;
  return {
    name: 'SQLite',
    fresh: async () => `sqlite:${path.join(dir, `bench-${++n}.db`)}`,
    close: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** On a server we did not start, only the databases we created are dropped. */
export async function postgresBackend(): Promise<Backend> {
  const given = process.env.STREAMGATE_BENCH_POSTGRES_URL;
  const server = given ? null : await startPostgresCluster({ durable: true });
  const adminUrl = given ?? server!.url;
  const created: string[] = [];
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  return {
    name: 'PostgreSQL',
    async fresh() {
      const name = `streamgate_bench_${process.pid}_${created.length + 1}`;
      await admin(`create database ${name}`);
      created.push(name);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async close() {
      if (server) return server.remove();
      for (const name of created) await admin(`drop database if exists ${name} with (force)`);
    },
  };
}
