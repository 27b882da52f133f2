import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { LATEST_MIGRATION, MIGRATION_NAMES } from '../../src/core/db/migrations.js';
import { freePortEnv, spawnOnFreePorts } from '../helpers/appliance.js';
import { codesFromCsv, initialisedDataDir, json, runCli } from '../helpers/cli.js';
import { rewindSqliteSchema } from '../helpers/older-schema.js';
import { useSqliteInEveryPass } from '../helpers/test-database.js';

// About the SQLite file an earlier release left: SQLite in both passes.
useSqliteInEveryPass();

/** The last migration of the previous release (0.0.x): the schema its databases have. */
const PREVIOUS_RELEASE_MIGRATION = '0008_key_activation';

const PACKAGE_VERSION = (JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const database = (dataDir: string) => path.join(dataDir, 'streamgate.db');

function query<T>(dataDir: string, statement: string, ...params: unknown[]): T[] {
  const sqlite = new BetterSqlite3(database(dataDir));
  try {
    return sqlite.prepare(statement).all(...params) as T[];
  } finally {
    sqlite.close();
  }
}

function run(dataDir: string, statement: string): void {
  const sqlite = new BetterSqlite3(database(dataDir));
  sqlite.exec(statement);
  sqlite.close();
}

/** A data directory as the previous release left it: an event, codes (one revoked), its schema. */
async function previousReleaseDataDir(t: { after(fn: () => unknown): void }): Promise<{ dataDir: string; codes: string[] }> {
  const dataDir = await initialisedDataDir(t);
  const created = await runCli(['tokens', 'create', '--event', 'conf', '--count', '3', '--label', 'old'], { dataDir });
  assert.equal(created.code, 0, created.stderr);
  const codes = codesFromCsv(created.stdout);
  assert.equal((await runCli(['tokens', 'revoke', codes[2]!], { dataDir })).code, 0);
  await rewindSqliteSchema(database(dataDir), PREVIOUS_RELEASE_MIGRATION);
  return { dataDir, codes };
}

describe('upgrades', () => {
  it("db migrate brings a previous release's database forward, keeps its codes, and records this version", { timeout: 60_000 }, async (t) => {
    const { dataDir, codes } = await previousReleaseDataDir(t);
    assert.equal(query<{ name: string }>(dataDir, 'select max(name) as name from kysely_migration')[0]!.name, PREVIOUS_RELEASE_MIGRATION);

    const migrated = await runCli(['db', 'migrate', '--json'], { dataDir });
    assert.equal(migrated.code, 0, migrated.stderr);
    const result = json(migrated);
    assert.equal(result.from, PREVIOUS_RELEASE_MIGRATION);
    assert.equal(result.to, LATEST_MIGRATION);
    assert.ok(result.applied.includes(LATEST_MIGRATION) && !result.applied.includes(PREVIOUS_RELEASE_MIGRATION));
    assert.deepEqual(query(dataDir, 'select migration, version from schema_versions'), [{ migration: LATEST_MIGRATION, version: PACKAGE_VERSION }]);

    const shown = await Promise.all(codes.map(async (code) => json(await runCli(['tokens', 'show', code, '--json'], { dataDir })).code.status));
    assert.deepEqual(shown, ['active', 'active', 'revoked'], 'every code as it was');

    const again = await runCli(['db', 'migrate'], { dataDir });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`${LATEST_MIGRATION}: up to date`));
  });

  it("a previous release's database is served after the upgrade: /healthz reports this version", { timeout: 60_000 }, async (t) => {
    const { dataDir } = await previousReleaseDataDir(t);
    const { child, ports, closed } = await spawnOnFreePorts(['serve', 'platform'], { STREAMGATE_DATA_DIR: dataDir }, /platform listening/);
    t.after(() => child.kill('SIGKILL'));
    assert.deepEqual(await (await fetch(`${ports.PLATFORM_URL}/healthz`)).json(), { status: 'ok', version: PACKAGE_VERSION });
    child.kill('SIGTERM');
    await closed;
  });

  it('an older binary on a newer database refuses every command with the version to install (exit 1), and changes nothing', { timeout: 60_000 }, async (t) => {
    const dataDir = await initialisedDataDir(t);
    // What a later release leaves: a migration this one does not know, and its version.
    run(dataDir, `insert into kysely_migration (name, timestamp) values ('9000_from_the_future', '2030-01-01T00:00:00.000Z');
                  insert into schema_versions (migration, version, migrated_at) values ('9000_from_the_future', '99.1.0', 0);`);
    const expected = `streamgate: This database was upgraded by StreamGate 99.1.0; this is ${PACKAGE_VERSION}: install 99.1.0 or newer\n`;
    for (const args of [['events', 'list'], ['db', 'migrate'], ['serve', 'platform']]) {
      const refused = await runCli(args, { dataDir, env: await freePortEnv() });
      assert.equal(refused.code, 1, `${args.join(' ')}: ${refused.stderr}`);
      assert.ok(refused.stderr.endsWith(expected), `${args.join(' ')}: ${refused.stderr}`);
    }
    const json = await runCli(['events', 'list', '--json'], { dataDir });
    assert.equal(JSON.parse(json.stdout).error.code, 'database_too_new');
    const names = query<{ name: string }>(dataDir, 'select name from kysely_migration order by name').map((r) => r.name);
    assert.deepEqual(names, [...MIGRATION_NAMES, '9000_from_the_future'], 'nothing migrated, nothing removed');

    // Without the record (a newer build from before it kept one), the migration is named instead.
    run(dataDir, "delete from schema_versions where migration = '9000_from_the_future'");
    const unnamed = await runCli(['events', 'list'], { dataDir });
    assert.equal(unnamed.code, 1);
    assert.match(unnamed.stderr, /upgraded by a newer StreamGate \(its migration 9000_from_the_future is unknown here\); this is .*: install a newer version/);
  });
});
