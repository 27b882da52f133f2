import { sql, type Kysely } from 'kysely';
import { operationalFailure } from '../errors.js';
import { streamgateVersion } from '../version.js';
import { LATEST_MIGRATION, MIGRATION_NAMES } from './migrations.js';

/** What opening a database did to its schema: the newest migration before, and those it ran. */
export interface SchemaChange {
  from: string | null;
  applied: string[];
}

/** The migrations a database has run, oldest first; none for a new file. */
export async function appliedMigrations(db: Kysely<any>): Promise<string[]> {
  return sql<{ name: string }>`select name from kysely_migration order by name`
    .execute(db)
    .then((r) => r.rows.map((row) => row.name))
    .catch(() => []);
}

/**
 * An older binary must not touch a schema a newer one made (its queries would miss columns, or
 * worse, write rows the newer code misreads), nor fail with the migrator's "corrupted migrations".
 * It stops with the version to install, which the newer binary recorded (`recordSchemaVersion`).
 */
export async function refuseNewerSchema(db: Kysely<any>, applied: string[], thisVersion = streamgateVersion()): Promise<void> {
  const known = new Set(MIGRATION_NAMES);
  const unknown = applied.filter((name) => !known.has(name));
  if (unknown.length === 0) return;
  // The version that ran the newest migration; a record of an older run would name a version too old.
  const newest = [...applied].sort().at(-1)!;
  const recorded = await sql<{ version: string }>`select version from schema_versions where migration = ${newest}`
    .execute(db)
    .then((r) => r.rows[0]?.version)
    .catch(() => undefined);
  const by = recorded ? `StreamGate ${recorded}` : `a newer StreamGate (its migration ${newest} is unknown here)`;
  const install = recorded ? `${recorded} or newer` : 'a newer version';
  throw operationalFailure(`This database was upgraded by ${by}; this is ${thisVersion}: install ${install}`, 'database_too_new');
}

/** After migrations ran: this version is now the oldest that knows the schema. */
export async function recordSchemaVersion(db: Kysely<any>, at: number, version = streamgateVersion()): Promise<void> {
  await db
    .insertInto('schema_versions')
    .values({ migration: LATEST_MIGRATION, version, migrated_at: at })
    .onConflict((oc) => oc.column('migration').doNothing())
    .execute();
}
