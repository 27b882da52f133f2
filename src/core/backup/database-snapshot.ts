import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { operationalFailure } from '../errors.js';

/**
 * A consistent copy of the live SQLite database, taken while services write to it. SQLite's
 * online backup API restarts whenever another connection writes between two of its steps, which a
 * running `tokens create` does every few milliseconds; so the copy is one step (all pages), made
 * inside one read transaction: in WAL mode that is a snapshot of the last commit, and writers go
 * on meanwhile. The copy is then made self-contained (no WAL) and checked.
 */
export async function snapshotSqlite(source: string, target: string): Promise<{ abandonedBatches: number }> {
  const db = new BetterSqlite3(source, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(target, { progress: () => 0x7fffffff });
  } finally {
    db.close();
  }
  const copy = new BetterSqlite3(target);
  try {
    copy.pragma('journal_mode = DELETE');
    const abandonedBatches = dropPendingBatches(copy);
    checkIntegrity(copy, 'the snapshot');
    return { abandonedBatches };
  } finally {
    copy.close();
  }
}

/**
 * A batch still being written when the snapshot was taken has rows but no commit: its codes are
 * invisible, and in the restored world nobody will ever commit it. Leaving it out keeps the
 * backup to what users could see (no half batch), and smaller.
 */
function dropPendingBatches(db: BetterSqlite3.Database): number {
  return db.transaction(() => {
    db.prepare('delete from access_codes where batch_id in (select id from code_batches where committed_at is null)').run();
    return db.prepare('delete from code_batches where committed_at is null').run().changes;
  })();
}

/** PRAGMA integrity_check, which reads every page and index: anything but "ok" is a failure. */
export function checkIntegrity(db: BetterSqlite3.Database, what: string): void {
  const rows = db.pragma('integrity_check') as { integrity_check: string }[];
  const verdict = rows.map((r) => r.integrity_check).join('; ');
  if (verdict !== 'ok') throw operationalFailure(`${what} fails PRAGMA integrity_check: ${verdict}`);
}

/** The same check on a file, opened read-only. */
export function checkFileIntegrity(file: string, what: string): void {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    checkIntegrity(db, what);
  } finally {
    db.close();
  }
}

/**
 * PostgreSQL's own tools. The connection goes through libpq's environment variables, never the
 * command line, so a password stays out of `ps`.
 */
export function postgresToolEnv(databaseUrl: string): NodeJS.ProcessEnv {
  const url = new URL(databaseUrl);
  const libpq: Record<string, string> = { PGHOST: decodeURIComponent(url.hostname || 'localhost'), PGDATABASE: decodeURIComponent(url.pathname.slice(1)) };
  if (url.port) libpq.PGPORT = url.port;
  if (url.username) libpq.PGUSER = decodeURIComponent(url.username);
  if (url.password) libpq.PGPASSWORD = decodeURIComponent(url.password);
  const sslmode = url.searchParams.get('sslmode');
  if (sslmode) libpq.PGSSLMODE = sslmode;
  return { ...process.env, ...libpq };
}

/** pg_dump or pg_restore: on PATH, else the newest of Debian's /usr/lib/postgresql/N/bin. */
export function findPostgresTool(name: 'pg_dump' | 'pg_restore'): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    const tool = path.join(root, version, 'bin', name);
    if (fs.existsSync(tool)) return tool;
  }
  return null;
}

const NO_TOOL = (name: string) =>
  operationalFailure(`${name} not found: install PostgreSQL's client tools (apt-get install postgresql-client, the server's major version or newer); ${name === 'pg_dump' ? 'or back up the database with your own pg_dump/pg_basebackup and keep data/secret beside it' : 'or restore the archive\'s streamgate.pgdump with pg_restore yourself'}`, 'tool_missing');

/** pg_dump's custom format: one consistent snapshot (a repeatable-read transaction) of the database. */
export async function dumpPostgres(databaseUrl: string, target: string): Promise<void> {
  const tool = findPostgresTool('pg_dump');
  if (!tool) throw NO_TOOL('pg_dump');
  try {
    await promisify(execFile)(tool, ['--format=custom', '--no-owner', '--no-privileges', `--file=${target}`], { env: postgresToolEnv(databaseUrl), timeout: 3_600_000 });
  } catch (error) {
    throw operationalFailure(`pg_dump failed: ${lastLine((error as { stderr?: string }).stderr) || (error as Error).message}`);
  }
}

/** Into the (empty) database of `databaseUrl`, in one transaction: all of it or nothing. */
export async function restorePostgres(databaseUrl: string, dump: string): Promise<void> {
  const tool = findPostgresTool('pg_restore');
  if (!tool) throw NO_TOOL('pg_restore');
  try {
    await promisify(execFile)(tool, ['--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', `--dbname=${postgresToolEnv(databaseUrl).PGDATABASE}`, dump], { env: postgresToolEnv(databaseUrl), timeout: 3_600_000 });
  } catch (error) {
    throw operationalFailure(`pg_restore failed: ${lastLine((error as { stderr?: string }).stderr) || (error as Error).message}`);
  }
}

function lastLine(text: string | undefined): string {
  return (text ?? '').trim().split('\n').at(-1) ?? '';
}
