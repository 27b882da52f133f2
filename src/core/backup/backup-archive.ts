import fs from 'node:fs';
import path from 'node:path';
import { AtomicFile } from '../atomic-file.js';
import { sqlitePath, type Config } from '../config.js';
import { isPostgresUrl } from '../db/database.js';
import { invalidInput, operationalFailure } from '../errors.js';
import { secretPath } from '../secret-store.js';
import { dumpPostgres, snapshotSqlite } from './database-snapshot.js';
import { hlsKeysRoot } from '../hls-keys/hls-key-store.js';
import { addKeys } from './key-entries.js';
import { addMedia } from './media-entries.js';
import { ARCHIVE_FORMAT, ENTRY, type BackupManifest } from './manifest.js';
import { TarWriter } from './tar-writer.js';

export interface BackupOptions {
  out: string;
  withMedia: boolean;
  /** Refuse to replace an existing archive unless set. */
  force: boolean;
  version: string;
  now: number;
}

export interface BackupResult {
  file: string;
  bytes: number;
  database: 'sqlite' | 'postgres';
  /** Pending code batches (being written, invisible) left out of the snapshot. */
  pendingBatchesLeftOut: number;
  mediaFiles: number;
  mediaBytes: number;
  /** Sealed AES-128 keys of encrypted events (always included: small, and sealed under the secret). */
  keyFiles: number;
}

/**
 * `streamgate backup`: a consistent snapshot of the database (taken while services run), the
 * secret that belongs to it, the sealed keys of encrypted events (data/keys) and, with
 * `withMedia`, the HLS folders, as one tar file of mode 0600
 * that appears whole or not at all. The database snapshot waits in a private folder beside the
 * archive (same disk as the archive, which needs that room anyway) and is removed after.
 */
export async function createBackup(config: Config, options: BackupOptions): Promise<BackupResult> {
  const out = path.resolve(options.out);
  if (!options.force && fs.existsSync(out)) throw invalidInput(`${options.out} exists: choose another name, or --force to replace it`, 'file_exists');
  if (!fs.existsSync(path.dirname(out))) throw invalidInput(`${path.dirname(out)} does not exist`, 'no_such_directory');
  const secret = secretPath(config);
  if (!fs.existsSync(secret)) throw invalidInput(`${secret} does not exist: nothing to back up here (run "streamgate init", or pass --data-dir)`, 'not_initialised');
  const database = isPostgresUrl(config.databaseUrl) ? 'postgres' : 'sqlite';

  const scratch = fs.mkdtempSync(path.join(path.dirname(out), '.streamgate-backup-')); // 0700
  const archive = new AtomicFile(out, 0o600);
  try {
    let pendingBatchesLeftOut = 0;
    const dbCopy = path.join(scratch, database === 'sqlite' ? ENTRY.sqlite : ENTRY.postgres);
    if (database === 'sqlite') {
      const source = sqlitePath(config)!;
      if (!fs.existsSync(source)) throw invalidInput(`${source} does not exist: run "streamgate init" first (or pass --data-dir)`, 'not_initialised');
      pendingBatchesLeftOut = (await snapshotSqlite(source, dbCopy)).abandonedBatches;
    } else {
      await dumpPostgres(config.databaseUrl, dbCopy);
    }

    let bytes = 0;
    const tar = new TarWriter((chunk) => {
      archive.write(chunk);
      bytes += chunk.length;
    });
    const manifest: BackupManifest = { format: ARCHIVE_FORMAT, version: options.version, createdAt: new Date(options.now).toISOString(), database, withMedia: options.withMedia };
    tar.file(ENTRY.manifest, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), options.now);
    tar.file(ENTRY.secret, fs.readFileSync(secret), options.now);
    if (!tar.fileFrom(path.basename(dbCopy), dbCopy)) throw operationalFailure('the database snapshot vanished before it was archived');
    const keyFiles = addKeys(tar, hlsKeysRoot(config.dataDir));
    const media = options.withMedia ? addMedia(tar, path.join(config.dataDir, 'hls')) : { files: 0, bytes: 0 };
    tar.finish();
    archive.commit({ replace: options.force });
    return { file: out, bytes, database, pendingBatchesLeftOut, mediaFiles: media.files, mediaBytes: media.bytes, keyFiles };
  } catch (error) {
    archive.abort();
    throw error;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
