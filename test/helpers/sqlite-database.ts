import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/core/config.js';
import { openDatabase, type Db } from '../../src/core/db/database.js';
import { ensureSecretFile } from '../../src/core/secret-store.js';
import { tempDir } from './cli.js';

/**
 * A fresh SQLite database in a data directory of its own, whatever the pass is for: for tests of
 * SQLite itself (its two connections, its WAL). `file` is the database file.
 */
export async function openSqliteDatabase(t: { after(fn: () => unknown): void }): Promise<{ db: Db; file: string }> {
  const dataDir = path.join(tempDir(), 'data');
  fs.mkdirSync(dataDir);
  const config = loadConfig({ STREAMGATE_DATA_DIR: dataDir });
  ensureSecretFile(config);
  const db = await openDatabase(config, { create: true });
  t.after(() => db.destroy());
  return { db, file: config.databaseUrl.slice('sqlite:'.length) };
}
