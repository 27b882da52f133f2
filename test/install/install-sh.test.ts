import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { LATEST_MIGRATION } from '../../src/core/db/migrations.js';
import { codesFromCsv, initialisedDataDir, json, REPO_ROOT, runCli, tempDir } from '../helpers/cli.js';
import { rewindSqliteSchema } from '../helpers/older-schema.js';
import { useSqliteInEveryPass } from '../helpers/test-database.js';

// The upgrade tests rewind a SQLite file; the rest never opens a database.
useSqliteInEveryPass();

const isRoot = process.getuid?.() === 0;
const lockSum = createHash('sha256').update(fs.readFileSync(path.join(REPO_ROOT, 'package-lock.json'))).digest('hex');
const stamp = path.join(REPO_ROOT, 'node_modules', '.streamgate-lock.sha256');
// npm ci must not run here (and apt never does: every package is present), so the lock stamp must match.
const npmInstalled = fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === lockSum;
let usrLocalBinWritable = true;
try {
  fs.accessSync('/usr/local/bin', fs.constants.W_OK);
} catch {
  usrLocalBinWritable = false;
}
const skip = !npmInstalled
  ? 'node_modules was not installed by install.sh from this lock file'
  : isRoot || !usrLocalBinWritable ? false : 'needs root (to become nobody) or a user who cannot write /usr/local/bin';

interface Run { status: number | null; stdout: string; stderr: string }

/**
 * Runs the real install.sh as an unprivileged user (nobody, when the tests run as root) with a
 * fresh home, skipping only the build (the tree is built already). `tty` runs it under script(1).
 */
function install(home: string, options: { path?: string; tty?: boolean; env?: Record<string, string> } = {}): Run {
  const repo = installableCopy();
  const basePath = options.path ?? `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`;
  const env = ['env', '-i', `HOME=${home}`, `PATH=${basePath}`, 'STREAMGATE_INSTALL_SKIP_BUILD=1', 'TERM=xterm',
    ...Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`)];
  const script = path.join(repo, 'install.sh');
  const command = options.tty ? ['script', '-qec', `bash '${script}'`, '/dev/null'] : ['bash', script];
  const argv = isRoot ? ['runuser', '-u', 'nobody', '--', ...env, ...command] : [...env, ...command];
  const run = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/**
 * This checkout as a second install in another folder (its own install.sh and bin/, the built
 * dist/ and node_modules linked in): as root, `install.sh --dev` has linked /usr/local/bin/streamgate
 * to this checkout already, and a user who finds that link rightly has nothing to do. The copy is
 * what that user installs: /usr/local/bin holds no streamgate of its.
 */
let copy: string | null = null;
function installableCopy(): string {
  if (copy) return copy;
  const root = tempDir('streamgate-install-repo-');
  fs.chmodSync(root, 0o755);
  for (const file of ['install.sh', 'package.json', 'package-lock.json']) fs.copyFileSync(path.join(REPO_ROOT, file), path.join(root, file));
  fs.mkdirSync(path.join(root, 'bin'));
  fs.copyFileSync(path.join(REPO_ROOT, 'bin', 'streamgate'), path.join(root, 'bin', 'streamgate'));
  fs.chmodSync(path.join(root, 'bin', 'streamgate'), 0o755);
  for (const dir of ['node_modules', 'dist']) fs.symlinkSync(path.join(REPO_ROOT, dir), path.join(root, dir));
  process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
  copy = root;
  return root;
}

function userHome(t: { after(fn: () => void): void }): string {
  const home = tempDir('streamgate-install-');
  t.after(() => fs.rmSync(home, { recursive: true, force: true }));
  if (isRoot) fs.chownSync(home, 65534, 65534);
  return home;
}

describe('install.sh as a user who cannot write /usr/local/bin', { skip }, () => {
  it('links into ~/.local/bin, says how to put it on PATH, and never claims a command that is not there', (t) => {
    const home = userHome(t);
    // As a clone leaves it: made for its .gitkeep with the umask's 0755, owned by whoever installs.
    const dataDir = path.join(installableCopy(), 'data');
    fs.mkdirSync(dataDir, { mode: 0o755 });
    fs.chmodSync(dataDir, 0o755);
    if (isRoot) fs.chownSync(dataDir, Number(spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).stdout), Number(spawnSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).stdout));
    const run = install(home);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(fs.statSync(dataDir).mode & 0o777, 0o700, 'the checkout\'s data directory is the owner\'s only');
    const link = path.join(home, '.local', 'bin', 'streamgate');
    assert.equal(fs.realpathSync(link), fs.realpathSync(path.join(installableCopy(), 'bin', 'streamgate')));
    assert.match(run.stdout, new RegExp(`export PATH="${home}/.local/bin:\\$PATH"`));
    assert.match(run.stdout, new RegExp(`next: ${link} up$`, 'm'));
    assert.doesNotMatch(run.stdout, /next: streamgate up/, 'streamgate is not on this PATH');
    assert.doesNotMatch(run.stdout + run.stderr, /\x1b/, 'no escape sequences outside a terminal');
    const version = spawnSync(isRoot ? 'runuser' : link, isRoot ? ['-u', 'nobody', '--', link, '--version'] : ['--version'], { encoding: 'utf8' });
    assert.match(version.stdout, /^\d+\.\d+\.\d+/, 'the linked command runs');

    // With ~/.local/bin on PATH, the same install ends with the plain command.
    const again = install(home, { path: `${home}/.local/bin:${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin` });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /done: streamgate \S+ installed; next: streamgate up$/m);
    assert.doesNotMatch(again.stdout, /export PATH/);
  });

  it('colours its headings on a terminal only, and not with NO_COLOR', (t) => {
    const home = userHome(t);
    assert.match(install(home, { tty: true }).stdout, /\x1b\[1m==>/);
    assert.doesNotMatch(install(home, { tty: true, env: { NO_COLOR: '1' } }).stdout, /\x1b/);
  });
});

describe('install.sh on an upgrade', { skip }, () => {
  /** A data directory as the previous release (schema 0008) left it, owned by the installing user. */
  async function previousRelease(t: { after(fn: () => unknown): void }): Promise<{ dataDir: string; codes: string[] }> {
    const dataDir = await initialisedDataDir(t);
    const created = await runCli(['tokens', 'create', '--event', 'conf', '--count', '2'], { dataDir });
    assert.equal(created.code, 0, created.stderr);
    await rewindSqliteSchema(path.join(dataDir, 'streamgate.db'), '0008_key_activation');
    if (isRoot) {
      fs.chmodSync(path.dirname(dataDir), 0o755);
      spawnSync('chown', ['-R', '65534:65534', dataDir]);
    }
    return { dataDir, codes: codesFromCsv(created.stdout) };
  }

  const newestMigration = (dataDir: string) => {
    const sqlite = new BetterSqlite3(path.join(dataDir, 'streamgate.db'), { readonly: true });
    try {
      return (sqlite.prepare('select max(name) as name from kysely_migration').get() as { name: string }).name;
    } finally {
      sqlite.close();
    }
  };

  it("migrates a previous release's database forward, keeps its codes, and says to restart", async (t) => {
    const { dataDir, codes } = await previousRelease(t);
    const run = install(userHome(t), { env: { STREAMGATE_DATA_DIR: dataDir } });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`migrating the database of ${dataDir}`));
    assert.match(run.stdout, /to run \S+, restart: stop any running streamgate up\/serve and start it again/);
    assert.equal(newestMigration(dataDir), LATEST_MIGRATION);
    const shown = await runCli(['tokens', 'show', codes[0]!, '--json'], { dataDir });
    assert.equal(json(shown).code.status, 'active', shown.stderr);
  });

  it('stops, with the version to install, when the database is newer than this checkout', async (t) => {
    const { dataDir } = await previousRelease(t);
    const sqlite = new BetterSqlite3(path.join(dataDir, 'streamgate.db'));
    sqlite.exec(`insert into kysely_migration (name, timestamp) values ('9000_from_the_future', '2030-01-01T00:00:00.000Z');
                 create table schema_versions (migration text primary key, version text not null, migrated_at bigint not null);
                 insert into schema_versions values ('9000_from_the_future', '99.1.0', 0);`);
    sqlite.close();
    const run = install(userHome(t), { env: { STREAMGATE_DATA_DIR: dataDir } });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /streamgate: This database was upgraded by StreamGate 99\.1\.0; this is \S+: install 99\.1\.0 or newer/);
    assert.doesNotMatch(run.stdout, /restart/);
  });
});
