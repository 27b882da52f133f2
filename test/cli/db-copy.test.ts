import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { recordDeliveredBytes } from '../../src/core/analytics/delivered-bytes.js';
import { recordViewerSample } from '../../src/core/analytics/viewer-samples.js';
import { spawnOnFreePorts, waitFor } from '../helpers/appliance.js';
import { BIN, json, runCli, type CliResult } from '../helpers/cli.js';
import { postgresNamed, postgresTarget, sqliteTarget, type CopyTarget } from '../helpers/copy-target.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { dropTestDatabase } from '../helpers/test-database.js';

type TestContext = Parameters<typeof startTestPlatform>[0];

/** An install on SQLite, the way every install starts, in both passes of the suite. */
interface Source {
  platform: TestPlatform;
  dataDir: string;
  /** The environment that points a `streamgate` process at this install's database. */
  env: { DATABASE_URL: string };
  cli(args: string[], options?: { env?: NodeJS.ProcessEnv; input?: string }): Promise<CliResult>;
}

async function sqliteSource(t: TestContext): Promise<Source> {
  const platform = await startTestPlatform(t, {}, { sqlite: true });
  const dataDir = platform.dataDir;
  // runCli gives each data directory a database of its own in the PostgreSQL pass: not used here.
  t.after(() => dropTestDatabase(dataDir));
  const env = { DATABASE_URL: platform.config.databaseUrl };
  return { platform, dataDir, env, cli: (args, options = {}) => runCli(args, { dataDir, input: options.input, env: { ...env, ...options.env } }) };
}

const TABLES = ['events', 'code_batches', 'access_codes', 'sessions', 'revocations', 'signing_keys', 'api_keys', 'audit_log', 'admin_users', 'admin_sessions', 'admin_invites', 'viewer_minutes', 'viewer_hours', 'event_traffic', 'recording_windows', 'event_branding', 'webhooks', 'webhook_deliveries'];

/**
 * A used install: 20,000 codes in two batches, a viewer watching (a session, sampled), three revoked codes,
 * an API key, a console user logged in, a webhook with the revocations' deliveries in its outbox,
 * and what all that wrote to the audit log.
 */
async function usedInstall(t: TestContext): Promise<Source & { codes: string[] }> {
  const source = await sqliteSource(t);
  const { platform } = source;
  const codes = [...(await platform.codes(10_000, { label: 'early' })), ...(await platform.codes(10_000, { label: 'late' }))];
  assert.equal((await platform.post('/api/tokens/validate', { code: codes[0], deviceId: 'living-room-tv' })).status, 200);
  // Its analytics: a minute's sample, and bytes an edge reported.
  await recordViewerSample(platform.db, platform.now());
  await recordDeliveredBytes(platform.db, platform.now(), [{ eventId: 'conf', bytes: 123_456 }]);
  assert.equal((await source.cli(['webhooks', 'add', 'http://127.0.0.1:9/hook', '--events', 'code.revoked'])).code, 0);
  assert.equal((await source.cli(['tokens', 'revoke', codes[1]!, codes[2]!, codes[3]!])).code, 0);
  assert.equal((await source.cli(['apikeys', 'create', '--name', 'shop'])).code, 0);
  assert.equal((await source.cli(['events', 'update', 'conf', '--organiser', 'Philharmonie', '--accent', '#c0392b'])).code, 0); // its watch page
  assert.equal((await source.cli(['admin', 'set-password', '--user', 'alice'], { input: 'a long enough password\n' })).code, 0);
  assert.equal((await platform.post('/api/admin/login', { username: 'alice', password: 'a long enough password' })).status, 200);
  assert.equal((await source.cli(['admin', 'users', 'invite', 'bob', '--role', 'support'])).code, 0);
  return { ...source, codes };
}

/** What every copy must hold: nothing left behind, and both sides agree. */
function assertCompleteCopy(report: any): void {
  assert.equal(report.verified, true);
  const rows = Object.fromEntries(report.tables.map((table: any) => [table.table, table.targetRows]));
  assert.deepEqual(Object.keys(rows), TABLES);
  for (const table of report.tables) assert.equal(table.targetRows, table.sourceRows, table.table);
  assert.equal(rows.access_codes, 20_000);
  assert.equal(rows.code_batches, 2);
  assert.equal(rows.sessions, 1);
  assert.equal(rows.revocations, 3);
  assert.equal(rows.api_keys, 1);
  assert.equal(rows.admin_users, 1);
  assert.equal(rows.admin_sessions, 1);
  assert.equal(rows.admin_invites, 1);
  assert.equal(rows.viewer_minutes, 1);
  assert.equal(rows.event_traffic, 1);
  assert.equal(rows.webhooks, 1);
  assert.equal(rows.event_branding, 1);
  assert.equal(rows.webhook_deliveries, 3);
  assert.ok(rows.audit_log >= 4, `audit rows: ${rows.audit_log}`);
}

async function checkCopiedInstall(t: TestContext, target: CopyTarget, dataDir: string, codes: string[]): Promise<void> {
  const env = { DATABASE_URL: target.url };
  // The copied install serves: a copied code plays, a revoked one is refused.
  const platform = await spawnOnFreePorts(['serve', 'platform'], { STREAMGATE_DATA_DIR: dataDir, ...env }, /platform listening/);
  t.after(async () => {
    platform.child.kill('SIGKILL');
    await platform.closed;
  });
  const validate = (code: string) =>
    fetch(`${platform.ports.PLATFORM_URL}/api/tokens/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, deviceId: 'kitchen-laptop' }),
    });
  assert.equal((await validate(codes[4]!)).status, 200);
  assert.equal((await validate(codes[1]!)).status, 403);
  // The viewer watching before the move still holds the code: another device is refused.
  assert.equal((await validate(codes[0]!)).status, 409);

  const revoked = json(await runCli(['tokens', 'list', '--event', 'conf', '--status', 'revoked', '--json'], { dataDir, env }));
  assert.equal(revoked.length, 3);

  // A new revocation lands after the copied feed, not on top of it.
  const maxCursor = async () => Number((await target.query<{ cursor: number }>('select max(cursor) as cursor from revocations'))[0]!.cursor);
  const copiedMax = await maxCursor();
  const more = await runCli(['tokens', 'revoke', codes[5]!], { dataDir, env });
  assert.equal(more.code, 0, more.stderr);
  const newMax = await maxCursor();
  assert.ok(newMax > copiedMax, `new cursor ${newMax} after ${copiedMax}`);
  assert.equal(await target.count('revocations'), 4);

  // The counters behind the dashboard were counted again from the copied codes, and kept since.
  const [counts] = await target.query<{ codes: number; used: number; revoked: number }>('select sum(codes) as codes, sum(used) as used, sum(revoked) as revoked from code_counts');
  assert.deepEqual({ codes: Number(counts!.codes), used: Number(counts!.used), revoked: Number(counts!.revoked) }, { codes: 20_000, used: 2, revoked: 4 });
}

// PostgreSQL targets are tested where a test server is named: in npm test's PostgreSQL pass (and
// never skipped there: an unreachable server fails them).
const targets: [string, (t: TestContext) => Promise<CopyTarget>][] = [['SQLite', async (t) => sqliteTarget(t)]];
if (postgresNamed()) targets.push(['PostgreSQL', postgresTarget]);

for (const [name, makeTarget] of targets) {
  describe(`streamgate db copy into ${name}`, async () => {
    it('copies a used install, verified table by table; the copy serves it, and a second copy is refused', { timeout: 120_000 }, async (t) => {
      const source = await usedInstall(t);
      const target = await makeTarget(t);
      const copied = await source.cli(['db', 'copy', '--to', target.url, '--json']);
      assert.equal(copied.code, 0, copied.stderr);
      assertCompleteCopy(json(copied));
      for (const table of TABLES) {
        assert.equal(await target.count(table), json(copied).tables.find((r: any) => r.table === table).targetRows, table);
      }
      await checkCopiedInstall(t, target, source.dataDir, source.codes);

      const again = await source.cli(['db', 'copy', '--to', target.url]);
      assert.equal(again.code, 2);
      assert.match(again.stderr, /^streamgate: the target database already holds data \(events, .*\): db copy only fills an empty database, and changed nothing\n$/);
      assert.equal(await target.count('access_codes'), 20_000);
      assert.equal(await target.count('revocations'), 4);
    });

    it('prints a table of rows per table on success', { timeout: 60_000 }, async (t) => {
      const source = await sqliteSource(t);
      await source.platform.codes(10);
      const target = await makeTarget(t);
      const copied = await source.cli(['db', 'copy', '--to', target.url]);
      assert.equal(copied.code, 0, copied.stderr);
      assert.match(copied.stdout, /^table\tsource rows\ttarget rows\tkey checksum\n/);
      assert.match(copied.stdout, /\naccess_codes\t10\t10\t[0-9a-f]{16}\n/);
      assert.match(copied.stdout, /\ncopied \d+ rows from sqlite:.* to .* in [\d.]+ s; counts and key checksums match\n$/);
    });

    it('shows a progress bar on a terminal', { timeout: 60_000 }, async (t) => {
      const source = await sqliteSource(t);
      await source.platform.codes(20_000);
      const target = await makeTarget(t);
      const onTerminal = await runOnTerminal(['db', 'copy', '--to', target.url], source);
      assert.equal(onTerminal.code, 0, onTerminal.output);
      assert.match(onTerminal.output, /rows \[[^\]]*\] \d+% \| ETA/);
      assert.match(onTerminal.output, /copied 20\d{3} rows from/);
    });

    it('leaves out the codes of a batch whose writer died before committing it', { timeout: 60_000 }, async (t) => {
      const source = await sqliteSource(t);
      await source.platform.codes(5);
      const file = new BetterSqlite3(source.env.DATABASE_URL.slice('sqlite:'.length));
      file.prepare(`insert into code_batches (id, event_id, count, created_at, heartbeat_at, committed_at) values ('dead', 'conf', 2, 1, 1, null)`).run();
      const code = file.prepare(`insert into access_codes (id, event_id, batch_id, code_hash, expires_at, created_at) values (?, 'conf', 'dead', ?, 9e12, 1)`);
      code.run('dead-1', Buffer.alloc(32, 1));
      code.run('dead-2', Buffer.alloc(32, 2));
      file.close();
      const target = await makeTarget(t);
      const copied = await source.cli(['db', 'copy', '--to', target.url, '--json']);
      assert.equal(copied.code, 0, copied.stderr);
      const rows = Object.fromEntries(json(copied).tables.map((r: any) => [r.table, r.targetRows]));
      assert.equal(rows.code_batches, 1);
      assert.equal(rows.access_codes, 5);
      assert.equal(await target.count('access_codes'), 5);
    });

    it('commits nothing when the target does not read back what was sent (exit 1)', { timeout: 60_000 }, async (t) => {
      const source = await sqliteSource(t);
      await source.platform.codes(50);
      const target = await makeTarget(t);
      // A target that silently drops one code: the schema first (any command migrates), then a trigger.
      if (target.kind === 'sqlite') fs.writeFileSync(target.url.slice('sqlite:'.length), '');
      assert.equal((await source.cli(['events', 'list'], { env: { DATABASE_URL: target.url } })).code, 0);
      const { id } = await source.platform.db.selectFrom('codes').select('id').limit(1).executeTakeFirstOrThrow();
      await target.exec(dropOneCodeTrigger(target.kind, id));

      const copied = await source.cli(['db', 'copy', '--to', target.url, '--json']);
      assert.equal(copied.code, 1, copied.stderr);
      assert.match(copied.stderr, /^streamgate: copy verification failed for table access_codes: 50 rows in the source, 49 in the target .*; nothing was committed\n$/);
      assert.equal(json(copied).error.code, 'copy_verification_failed');
      for (const table of TABLES) assert.equal(await target.count(table), 0, `${table} is empty`);
    });

    it('leaves the target empty when killed mid-way, and the same command then completes', { timeout: 180_000 }, async (t) => {
      const source = await sqliteSource(t);
      await source.platform.codes(150_000);
      const target = await makeTarget(t);
      const child = spawn(process.execPath, [BIN, 'db', 'copy', '--to', target.url], {
        env: { ...process.env, STREAMGATE_DATA_DIR: source.dataDir, ...source.env },
        stdio: 'ignore',
      });
      const closed = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
      await waitFor('the copy to be writing codes', () => copyingCodes(target), 60_000);
      child.kill('SIGKILL');
      assert.equal(await closed, 'SIGKILL', 'killed before it finished');
      for (const table of TABLES) assert.equal(await target.count(table), 0, `${table} is empty`);

      const resumed = await source.cli(['db', 'copy', '--to', target.url, '--json']);
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.equal(await target.count('access_codes'), 150_000);
    });
  });
}

/** SQL making `kind`'s target drop the code `id` without an error, as a faulty target might. */
function dropOneCodeTrigger(kind: 'sqlite' | 'postgres', id: string): string {
  if (kind === 'sqlite') return `create trigger drop_one before insert on access_codes when new.id = '${id}' begin select raise(ignore); end`;
  return `create function drop_one() returns trigger language plpgsql as $$ begin if new.id = '${id}' then return null; end if; return new; end $$;
    create trigger drop_one before insert on access_codes for each row execute function drop_one()`;
}

/**
 * Whether the copy is inside its transaction, writing codes. PostgreSQL shows the statement a
 * connection runs. A SQLite target shows nothing before the commit (the pages stay in the cache),
 * so there: a second after the migrations were committed, well before 150,000 codes are in.
 */
async function copyingCodes(target: CopyTarget): Promise<boolean> {
  if (target.kind === 'postgres') {
    const rows = await target.query(`select 1 from pg_stat_activity where datname = current_database() and query like 'insert into "access_codes"%'`);
    return rows.length > 0;
  }
  const migrated = await target.query('select name from kysely_migration').catch(() => []);
  if (migrated.length === 0) return false;
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  return true;
}

if (postgresNamed()) describe('streamgate db copy with PostgreSQL as the source, and a password from the environment', async () => {
  it('takes a URL with a password from --to-env and never prints it; copies back from PostgreSQL into SQLite', { timeout: 120_000 }, async (t) => {
    const source = await usedInstall(t);
    const postgres = await postgresTarget(t);
    const withPassword = new URL(postgres.url);
    withPassword.password = 'not-for-your-eyes'; // the test server trusts local connections: accepted, unused
    const there = await source.cli(['db', 'copy', '--to-env', 'SG_TARGET', '--json'], { env: { SG_TARGET: withPassword.toString() } });
    assert.equal(there.code, 0, there.stderr);
    assert.doesNotMatch(there.stdout + there.stderr, /not-for-your-eyes/);
    assert.equal(json(there).target, redactedUrl(postgres.url));
    assertCompleteCopy(json(there));

    const back = sqliteTarget(t);
    const copied = await source.cli(['db', 'copy', '--to', back.url, '--json'], { env: { DATABASE_URL: postgres.url } });
    assert.equal(copied.code, 0, copied.stderr);
    assertCompleteCopy(json(copied));
    assert.deepEqual(
      json(copied).tables.map((table: any) => table.checksum),
      json(there).tables.map((table: any) => table.checksum),
      'the same keys came back',
    );
    assert.equal(await back.count('access_codes'), 20_000);
  });
});

/** `streamgate ARGS` on a pseudo-terminal (util-linux `script`), stdout and stderr together. */
function runOnTerminal(args: string[], source: Source): Promise<{ code: number | null; output: string }> {
  const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, STREAMGATE_DATA_DIR: source.dataDir, ...source.env, NO_COLOR: '1', TERM: 'dumb' };
    const child = spawn('script', ['-qec', [process.execPath, BIN, ...args].map(quote).join(' '), '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end();
  });
}

/** What `db copy` prints for a PostgreSQL URL: no password, no query. */
function redactedUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.username ? `${parsed.username}@` : ''}${parsed.host}${parsed.pathname}`;
}
