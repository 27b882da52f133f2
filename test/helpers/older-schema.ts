// A SQLite database as an earlier version left it: its rows, in the schema up to a given migration.
// Built, not undone: a fresh file is migrated up to `migration` and every table of that schema gets
// the rows of the current file (the columns both have), so a test of one upgrade keeps working as
// later migrations are added. For schemas before 0009: its triggers would count copied codes again.
import fs from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { checkMigrationResult, migrationProvider } from '../../src/core/db/migrations.js';

export async function rewindSqliteSchema(file: string, migration: string): Promise<void> {
  const older = `${file}.older`;
  const sqlite = new BetterSqlite3(older);
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
  // The keyring is for 0005, which only seals keys stored in clear: there are none in a fresh file.
  const provider = migrationProvider({ kind: 'sqlite', keyring: () => { throw new Error('no keyring in a rewound schema'); } });
  checkMigrationResult(await new Migrator({ db, provider }).migrateTo(migration));
  await db.destroy();

  const target = new BetterSqlite3(older);
  target.prepare('attach database ? as current').run(file);
  const columns = (schema: string, table: string) =>
    (target.prepare(`select name from ${schema}.pragma_table_info(?)`).all(table) as { name: string }[]).map((c) => c.name);
  const tables = target.prepare("select name from main.sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%'").all() as { name: string }[];
  target.exec('pragma foreign_keys = off; begin');
  for (const { name } of tables) {
    const shared = columns('main', name).filter((c) => columns('current', name).includes(c)).map((c) => `"${c}"`).join(', ');
    target.exec(`insert into main."${name}" (${shared}) select ${shared} from current."${name}"`);
  }
  target.exec('commit');
  target.exec('detach database current');
  target.close();
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
  fs.renameSync(older, file);
}
