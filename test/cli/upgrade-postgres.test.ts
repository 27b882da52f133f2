import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { MIGRATION_NAMES } from '../../src/core/db/migrations.js';
import { initialisedDataDir, runCli } from '../helpers/cli.js';
import { pgQuery } from '../helpers/pg-query.js';
import { testDatabaseEnv, testDatabaseKind } from '../helpers/test-database.js';

const PACKAGE_VERSION = (JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

// The SQLite side is test/cli/upgrade.test.ts; this is the same rule on a shared PostgreSQL database.
describe('upgrades on PostgreSQL', { skip: testDatabaseKind() !== 'postgres' && 'PostgreSQL pass only' }, () => {
  it('records the version that migrated it, and an older binary refuses a newer schema (exit 1)', { timeout: 60_000 }, async (t) => {
    const dataDir = await initialisedDataDir(t);
    const url = (await testDatabaseEnv(dataDir)).DATABASE_URL!;
    assert.deepEqual(await pgQuery(url, 'select migration, version from schema_versions'), [{ migration: MIGRATION_NAMES.at(-1), version: PACKAGE_VERSION }]);
    await pgQuery(url, "insert into kysely_migration (name, timestamp) values ('9000_from_the_future', '2030-01-01T00:00:00.000Z')");
    await pgQuery(url, "insert into schema_versions (migration, version, migrated_at) values ('9000_from_the_future', '99.1.0', 0)");
    const refused = await runCli(['events', 'list'], { dataDir });
    assert.equal(refused.code, 1, refused.stderr);
    assert.equal(refused.stderr, `streamgate: This database was upgraded by StreamGate 99.1.0; this is ${PACKAGE_VERSION}: install 99.1.0 or newer\n`);
  });
});
