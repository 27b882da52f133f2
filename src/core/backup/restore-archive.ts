import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { sqlitePath, type Config } from '../config.js';
import { isPostgresUrl, openDatabase, writeTransaction } from '../db/database.js';
import { postgresClientConfig } from '../db/postgres-database.js';
import { AppError, invalidInput, operationalFailure } from '../errors.js';
import { checkFileIntegrity, restorePostgres } from './database-snapshot.js';
import { ENTRY, parseManifest, type BackupManifest } from './manifest.js';
import { TarFormatError, TarReader } from './tar-reader.js';

export interface RestoreResult {
  dataDir: string;
  database: 'sqlite' | 'postgres';
  backupVersion: string;
  backupCreatedAt: string;
  events: number;
  codes: number;
  mediaFiles: number;
  /** Sealed AES-128 keys of encrypted events put back in data/keys. */
  keyFiles: number;
}

const MANIFEST_LIMIT = 64 * 1024;

/**
 * `streamgate restore`: unpacks an archive of `createBackup` into an empty (or missing) data
 * directory, never over anything. Everything is unpacked into a private folder beside it first and
 * checked (the secret is there, SQLite passes PRAGMA integrity_check); only then does that folder
 * become the data directory, in one rename. The database is then opened, which brings an older
 * backup's schema up to date.
 */
export async function restoreBackup(config: Config, input: string): Promise<RestoreResult> {
  const dataDir = path.resolve(config.dataDir);
  refuseNonEmpty(dataDir);
  const kind = isPostgresUrl(config.databaseUrl) ? 'postgres' : 'sqlite';
  const dbTarget = kind === 'sqlite' ? path.resolve(sqlitePath(config)!) : null;
  if (dbTarget && fs.existsSync(dbTarget)) throw invalidInput(`${dbTarget} exists: restore only into an empty data directory and database`, 'data_dir_not_empty');
  if (kind === 'postgres') await refuseNonEmptyPostgres(config.databaseUrl);

  let fd: number;
  try {
    fd = fs.openSync(input, 'r');
  } catch (error) {
    throw invalidInput(`${input}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, 'no_such_file');
  }
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  const staging = fs.mkdtempSync(path.join(path.dirname(dataDir), `.${path.basename(dataDir)}.restore-`)); // 0700
  let published = false;
  try {
    const reader = new TarReader(fd);
    const manifest = readManifest(reader, input);
    if (manifest.database !== kind) {
      throw invalidInput(
        manifest.database === 'sqlite'
          ? `${input} holds a SQLite database but DATABASE_URL is PostgreSQL: restore without DATABASE_URL, then move it with "streamgate db copy"`
          : `${input} holds a PostgreSQL dump: set DATABASE_URL to an empty PostgreSQL database to restore it into`,
        'wrong_database',
      );
    }
    const { mediaFiles, keyFiles } = unpack(reader, staging, manifest);
    if (!fs.existsSync(path.join(staging, ENTRY.secret))) throw invalidArchive(input, 'it holds no secret');
    const dbEntry = path.join(staging, kind === 'sqlite' ? ENTRY.sqlite : ENTRY.postgres);
    if (!fs.existsSync(dbEntry)) throw invalidArchive(input, 'it holds no database');
    if (kind === 'sqlite') checkFileIntegrity(dbEntry, 'the database in the archive');
    else {
      await restorePostgres(config.databaseUrl, dbEntry);
      fs.rmSync(dbEntry);
    }

    if (dbTarget && dbTarget !== path.join(dataDir, ENTRY.sqlite)) {
      fs.mkdirSync(path.dirname(dbTarget), { recursive: true, mode: 0o700 });
      fs.copyFileSync(dbEntry, dbTarget, fs.constants.COPYFILE_EXCL); // DATABASE_URL=sqlite: names a file elsewhere
      fs.chmodSync(dbTarget, 0o600);
      fs.rmSync(dbEntry);
    }
    if (fs.existsSync(dataDir)) fs.rmdirSync(dataDir); // empty: checked above; fails if something arrived since
    fs.renameSync(staging, dataDir);
    published = true;
    const counts = await settle(config);
    return { dataDir, database: kind, backupVersion: manifest.version, backupCreatedAt: manifest.createdAt, mediaFiles, keyFiles, ...counts };
  } catch (error) {
    if (error instanceof TarFormatError) throw invalidArchive(input, error.message);
    throw error;
  } finally {
    fs.closeSync(fd);
    if (!published) fs.rmSync(staging, { recursive: true, force: true });
  }
}

function refuseNonEmpty(dataDir: string): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(dataDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw invalidInput(`${dataDir} is a file, not a data directory`, 'data_dir_not_empty');
    throw error;
  }
  if (entries.length > 0) {
    throw invalidInput(`${dataDir} is not empty (${entries.length} entries): restore only into an empty or new data directory (--data-dir DIR); nothing was changed`, 'data_dir_not_empty');
  }
}

async function refuseNonEmptyPostgres(databaseUrl: string): Promise<void> {
  const client = new pg.Client(postgresClientConfig(databaseUrl));
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>("select count(*) as n from information_schema.tables where table_schema = current_schema()");
    if (Number(rows[0]!.n) > 0) throw invalidInput('the PostgreSQL database of DATABASE_URL is not empty: restore only into a new, empty database', 'database_not_empty');
  } finally {
    await client.end();
  }
}

function readManifest(reader: TarReader, input: string): BackupManifest {
  const first = reader.next();
  if (!first || first.name !== ENTRY.manifest || first.type !== 'file') throw invalidArchive(input, 'it does not start with manifest.json (not a StreamGate backup)');
  try {
    return parseManifest(reader.readData(MANIFEST_LIMIT).toString('utf8'));
  } catch (error) {
    if (error instanceof TarFormatError) throw error;
    throw invalidArchive(input, (error as Error).message);
  }
}

/** Writes every entry into `staging`: known names only, files 0600 and folders 0700, nothing replaced. */
function unpack(reader: TarReader, staging: string, manifest: BackupManifest): { mediaFiles: number; keyFiles: number } {
  let mediaFiles = 0;
  let keyFiles = 0;
  const allowed = new Set<string>([ENTRY.secret, manifest.database === 'sqlite' ? ENTRY.sqlite : ENTRY.postgres]);
  for (let entry = reader.next(); entry; entry = reader.next()) {
    const isMedia = entry.name === ENTRY.media || entry.name.startsWith(`${ENTRY.media}/`);
    const isKey = entry.name === ENTRY.keys || entry.name.startsWith(`${ENTRY.keys}/`);
    if (!isMedia && !isKey && !allowed.has(entry.name)) throw new TarFormatError(`unexpected entry "${entry.name}"`);
    const target = path.resolve(staging, entry.name);
    if (!target.startsWith(staging + path.sep)) throw new TarFormatError(`"${entry.name}" lies outside the data directory`);
    if (entry.type === 'directory') {
      fs.mkdirSync(target, { recursive: true, mode: 0o700 });
      continue;
    }
    fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
    const out = fs.openSync(target, 'wx', 0o600); // never over an earlier entry, never through a link
    try {
      reader.copyData((chunk) => fs.writeSync(out, chunk));
      fs.fsyncSync(out);
    } finally {
      fs.closeSync(out);
    }
    if (isMedia) mediaFiles++;
    if (isKey) keyFiles++;
  }
  return { mediaFiles, keyFiles };
}

/**
 * Opens the restored database (migrating an older backup forward) and counts what users see. A
 * code batch that was being written at backup time never commits here: its rows go.
 */
async function settle(config: Config): Promise<{ events: number; codes: number }> {
  const db = await openDatabase(config);
  try {
    await writeTransaction(db, async (trx) => {
      await trx.deleteFrom('access_codes').where('batch_id', 'in', trx.selectFrom('code_batches').select('id').where('committed_at', 'is', null)).execute();
      await trx.deleteFrom('code_batches').where('committed_at', 'is', null).execute();
    });
    const events = await db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const codes = await db.selectFrom('codes').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return { events: Number(events.n), codes: Number(codes.n) };
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw operationalFailure(`the restored database does not open: ${(error as Error).message}`);
  } finally {
    await db.destroy();
  }
}

function invalidArchive(input: string, why: string): AppError {
  return invalidInput(`${input} is not a usable StreamGate backup: ${why}; nothing was changed`, 'invalid_backup');
}
