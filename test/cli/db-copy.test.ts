import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { spawnOnFreePorts, waitFor } from '../helpers/appliance.js';
import { BIN, json, runCli } from '../helpers/cli.js';
import { postgresAvailable, postgresTarget, sqliteTarget, type CopyTarget } from '../helpers/copy-target.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

const TABLES = ['events', 'code_batches', 'access_codes', 'sessions', 'revocations', 'signing_keys', 'api_keys', 'audit_log', 'admin_users', 'admin_sessions'];

/**
 * A used install: 20,000 codes in two batches, a viewer watching (a session), three revoked codes,
 * an API key, a console user logged in, and what all that wrote to the audit log.
 */
async function usedInstall(t: Parameters<typeof startTestPlatform>[0]): Promise<{ platform: TestPlatform; codes: string[] }> {
  const platform = await startTestPlatform(t);
  const codes = [...(await platform.codes(10_000, { label: 'early' })), ...(await platform.codes(10_000, { label: 'late' }))];
  const dataDir = platform.dataDir;
  assert.equal((await platform.post('/api/tokens/validate', { code: codes[0], deviceId: 'living-room-tv' })).status, 200);
  assert.equal((await runCli(['tokens', 'revoke', codes[1]!, codes[2]!, codes[3]!], { dataDir })).code, 0);
  assert.equal((await runCli(['apikeys', 'create', '--name', 'shop'], { dataDir })).code, 0);
  assert.equal((await runCli(['admin', 'set-password', '--user', 'alice'], { dataDir, input: 'a long enough password\n' })).code, 0);
  assert.equal((await platform.post('/api/admin/login', { username: 'alice', password: 'a long enough password' })).status, 200);
  return { platform, codes };
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
  assert.ok(rows.audit_log >= 4, `audit rows: ${rows.audit_log}`);
}

async function checkCopiedInstall(t: Parameters<typeof startTestPlatform>[0], target: CopyTarget, dataDir: string, codes: string[]): Promise<void> {
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
}

const targets: [string, (t: Parameters<typeof startTestPlatform>[0]) => Promise<CopyTarget>, () => Promise<boolean>][] = [
  ['SQLite', async (t) => sqliteTarget(t), async () => true],
  ['PostgreSQL', postgresTarget, postgresAvailable],
];

for (const [name, makeTarget, available] of targets) {
  describe(`streamgate db copy into ${name}`, async () => {
    const skip = (await available()) ? false : `no test PostgreSQL server`;

    it('copies a used install, verified table by table; the copy serves it, and a second copy is refused', { skip, timeout: 120_000 }, async (t) => {
      const { platform, codes } = await usedInstall(t);
      const dataDir = platform.dataDir;
      const target = await makeTarget(t);
      const copied = await runCli(['db', 'copy', '--to', target.url, '--json'], { dataDir });
      assert.equal(copied.code, 0, copied.stderr);
      assertCompleteCopy(json(copied));
      for (const table of TABLES) {
        assert.equal(await target.count(table), json(copied).tables.find((r: any) => r.table === table).targetRows, table);
      }
      await checkCopiedInstall(t, target, dataDir, codes);

      const again = await runCli(['db', 'copy', '--to', target.url], { dataDir });
      assert.equal(again.code, 2);
      assert.match(again.stderr, /^streamgate: the target database already holds data \(events, .*\): db copy only fills an empty database, and changed nothing\n$/);
      assert.equal(await target.count('access_codes'), 20_000);
      assert.equal(await target.count('revocations'), 4);
    });

    it('prints a table of rows per table on success', { skip, timeout: 60_000 }, async (t) => {
      const platform = await startTestPlatform(t);
      await platform.codes(10);
      const target = await makeTarget(t);
      const copied = await runCli(['db', 'copy', '--to', target.url], { dataDir: platform.dataDir });
      assert.equal(copied.code, 0, copied.stderr);
      assert.match(copied.stdout, /^table\tsource rows\ttarget rows\tkey checksum\n/);
      assert.match(copied.stdout, /\naccess_codes\t10\t10\t[0-9a-f]{16}\n/);
      assert.match(copied.stdout, /\ncopied \d+ rows from sqlite:.* to .* in [\d.]+ s; counts and key checksums match\n$/);
    });

    it('shows a progress bar on a terminal', { skip, timeout: 60_000 }, async (t) => {
      const platform = await startTestPlatform(t);
      await platform.codes(20_000);
      const target = await makeTarget(t);
      const onTerminal = await runOnTerminal(['db', 'copy', '--to', target.url], platform.dataDir);
      assert.equal(onTerminal.code, 0, onTerminal.output);
      assert.match(onTerminal.output, /rows \[[^\]]*\] \d+% \| ETA/);
      assert.match(onTerminal.output, /copied 20\d{3} rows from/);
    });

    it('leaves out the codes of a batch whose writer died before committing it', { skip, timeout: 60_000 }, async (t) => {
      const platform = await startTestPlatform(t);
      await platform.codes(5);
      const source = new BetterSqlite3(platform.config.databaseUrl.slice('sqlite:'.length));
      source.prepare(`insert into code_batches (id, event_id, count, created_at, heartbeat_at, committed_at) values ('dead', 'conf', 2, 1, 1, null)`).run();
      const code = source.prepare(`insert into access_codes (id, event_id, batch_id, code_hash, expires_at, created_at) values (?, 'conf', 'dead', ?, 9e12, 1)`);
      code.run('dead-1', Buffer.alloc(32, 1));
      code.run('dead-2', Buffer.alloc(32, 2));
      source.close();
      const target = await makeTarget(t);
      const copied = await runCli(['db', 'copy', '--to', target.url, '--json'], { dataDir: platform.dataDir });
      assert.equal(copied.code, 0, copied.stderr);
      const rows = Object.fromEntries(json(copied).tables.map((r: any) => [r.table, r.targetRows]));
      assert.equal(rows.code_batches, 1);
      assert.equal(rows.access_codes, 5);
      assert.equal(await target.count('access_codes'), 5);
    });

    it('leaves the target empty when killed mid-way, and the same command then completes', { skip, timeout: 180_000 }, async (t) => {
      const platform = await startTestPlatform(t);
      const dataDir = platform.dataDir;
      await platform.codes(150_000);
      const target = await makeTarget(t);
      const child = spawn(process.execPath, [BIN, 'db', 'copy', '--to', target.url], {
        env: { ...process.env, STREAMGATE_DATA_DIR: dataDir },
        stdio: 'ignore',
      });
      const closed = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
      await waitFor('the copy to be writing codes', () => copyingCodes(target), 60_000);
      child.kill('SIGKILL');
      assert.equal(await closed, 'SIGKILL', 'killed before it finished');
      for (const table of TABLES) assert.equal(await target.count(table), 0, `${table} is empty`);

      const resumed = await runCli(['db', 'copy', '--to', target.url, '--json'], { dataDir });
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.equal(await target.count('access_codes'), 150_000);
    });
  });
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

describe('streamgate db copy with PostgreSQL as the source, and a password from the environment', async () => {
  const skip = (await postgresAvailable()) ? false : 'no test PostgreSQL server';

  it('takes a URL with a password from --to-env and never prints it; copies back from PostgreSQL into SQLite', { skip, timeout: 120_000 }, async (t) => {
    const { platform } = await usedInstall(t);
    const dataDir = platform.dataDir;
    const postgres = await postgresTarget(t);
    const withPassword = new URL(postgres.url);
    withPassword.password = 'not-for-your-eyes'; // the test server trusts local connections: accepted, unused
    const there = await runCli(['db', 'copy', '--to-env', 'SG_TARGET', '--json'], { dataDir, env: { SG_TARGET: withPassword.toString() } });
    assert.equal(there.code, 0, there.stderr);
    assert.doesNotMatch(there.stdout + there.stderr, /not-for-your-eyes/);
    assert.equal(json(there).target, redactedUrl(postgres.url));
    assertCompleteCopy(json(there));

    const back = sqliteTarget(t);
    const copied = await runCli(['db', 'copy', '--to', back.url, '--json'], { dataDir, env: { DATABASE_URL: postgres.url } });
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
function runOnTerminal(args: string[], dataDir: string): Promise<{ code: number | null; output: string }> {
  const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, STREAMGATE_DATA_DIR: dataDir, NO_COLOR: '1', TERM: 'dumb' };
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

describe('streamgate db copy: where to', () => {
  it('refuses a password in --to (exit 2), never echoing it, and tells where a password goes', async (t) => {
    const platform = await startTestPlatform(t);
    const result = await runCli(['db', 'copy', '--to', 'postgres://sg:hunter2@127.0.0.1:1/streamgate', '--json'], { dataDir: platform.dataDir });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^streamgate: --to: the URL holds a password, .*PGPASSWORD or use ~\/\.pgpass, or .* --to-env VAR\n$/);
    assert.equal(json(result).error.code, 'password_in_argv');
    assert.doesNotMatch(result.stdout + result.stderr, /hunter2/);
  });

  const refused: [string, string[], NodeJS.ProcessEnv, RegExp][] = [
    ['no target', [], {}, /say where to copy to: --to postgres:\/\/USER@HOST\/DATABASE, or --to-env VAR/],
    ['an unknown kind of URL', ['--to', 'mysql://sg@db/streamgate'], {}, /--to: must be postgres:\/\/USER@HOST\[:PORT\]\/DATABASE or sqlite:FILE/],
    ['an unset --to-env variable', ['--to-env', 'SG_TARGET'], {}, /--to-env: the environment variable SG_TARGET is not set/],
    ['a bad URL in --to-env', ['--to-env', 'SG_TARGET'], { SG_TARGET: 'postgres:/nope' }, /SG_TARGET: must be postgres:\/\//],
    ['both --to and --to-env', ['--to', 'sqlite:/tmp/x.db', '--to-env', 'SG_TARGET'], {}, /cannot be used with/],
  ];
  for (const [what, args, env, message] of refused) {
    it(`refuses ${what} (exit 2)`, async (t) => {
      const platform = await startTestPlatform(t);
      const result = await runCli(['db', 'copy', ...args], { dataDir: platform.dataDir, env });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
    });
  }

  it('refuses to copy the database onto itself', async (t) => {
    const platform = await startTestPlatform(t);
    const result = await runCli(['db', 'copy', '--to', platform.config.databaseUrl], { dataDir: platform.dataDir });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--to: that is the database this install uses already/);
  });

  it('takes the URL from --to-env, and an unreachable target fails (exit 1) without showing the password', async (t) => {
    if (!(await postgresAvailable())) return t.skip('no test PostgreSQL server');
    const platform = await startTestPlatform(t);
    const env = { SG_TARGET: 'postgres://sg:hunter2@127.0.0.1:1/streamgate' };
    const result = await runCli(['db', 'copy', '--to-env', 'SG_TARGET'], { dataDir: platform.dataDir, env });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^streamgate: cannot open the target postgres:\/\/sg@127\.0\.0\.1:1\/streamgate: /);
    assert.doesNotMatch(result.stdout + result.stderr, /hunter2/);
  });
});
