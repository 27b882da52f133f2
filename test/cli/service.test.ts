import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseUnit } from '../../src/core/system-service/systemd-unit.js';
import { freePortEnv, waitFor } from '../helpers/appliance.js';
import { BIN, json, runCli, tempDir } from '../helpers/cli.js';
import { useSqliteInEveryPass } from '../helpers/test-database.js';

// The unit names no DATABASE_URL: the service runs on the SQLite file in its data directory.
useSqliteInEveryPass();

const isRoot = process.getuid?.() === 0;
// Creating system users needs root; CI runs as root, so there this never skips.
const needsRoot = { skip: !isRoot && !process.env.CI ? 'needs root (CI runs it)' : false, timeout: 120_000 };

const PACKAGE_VERSION = (JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

interface Installed {
  root: string;
  unitDir: string;
  dataDir: string;
  user: string;
  unitFile: string;
}

/** `service install` into a unit directory of the test's own, for a user removed afterwards. */
async function install(t: { after(fn: () => unknown): void }): Promise<Installed> {
  const root = tempDir('streamgate-service-');
  fs.chmodSync(root, 0o755); // the service user must reach its data directory inside
  const user = `sgtest${randomBytes(4).toString('hex')}`;
  t.after(() => {
    spawnSync('userdel', [user]);
    fs.rmSync(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  });
  const unitDir = path.join(root, 'units');
  const dataDir = path.join(root, 'var', 'streamgate');
  const result = await runCli(['service', 'install', '--user', user, '--data', dataDir, '--unit-dir', unitDir], { dataDir: path.join(root, 'unused') });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /systemctl enable --now streamgate/, 'the next step is named');
  return { root, unitDir, dataDir, user, unitFile: path.join(unitDir, 'streamgate.service') };
}

const uidOf = (user: string) => Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
const gidOf = (user: string) => Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim());

describe('streamgate service install|uninstall', () => {
  it('writes a unit that systemd-analyze verify accepts, hardened, for a new system user owning the data directory (0700)', needsRoot, async (t) => {
    const installed = await install(t);
    const verify = spawnSync('systemd-analyze', ['verify', '--man=no', installed.unitFile], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(verify.error, undefined, 'systemd-analyze runs (install.sh --dev installs the systemd package)');
    assert.equal(verify.status, 0, verify.stderr);
    assert.equal(verify.stderr.trim(), '', 'no warning either');

    const unit = fs.readFileSync(installed.unitFile, 'utf8');
    for (const line of ['Restart=on-failure', 'NoNewPrivileges=yes', 'ProtectSystem=strict', `ReadWritePaths=${installed.dataDir}`, 'PrivateTmp=yes', 'StandardError=journal', `User=${installed.user}`]) {
      assert.ok(unit.split('\n').includes(line), `the unit has ${line}`);
    }
    assert.equal(fs.statSync(installed.unitFile).mode & 0o777, 0o644);
    assert.deepEqual(fs.readdirSync(installed.unitDir), ['streamgate.service'], 'written atomically: no temporary file left');

    const passwd = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${installed.user}:`))!;
    const [, , uid, , , home, shell] = passwd.split(':');
    assert.ok(Number(uid) < 1000, 'a system user');
    assert.equal(home, installed.dataDir);
    assert.equal(shell, '/usr/sbin/nologin');
    const dir = fs.statSync(installed.dataDir);
    assert.equal(dir.uid, uidOf(installed.user));
    assert.equal(dir.mode & 0o777, 0o700);
  });

  it('runs again safely: keeps the user, takes back files root left in the data directory', needsRoot, async (t) => {
    const installed = await install(t);
    const leftover = path.join(installed.dataDir, 'left-by-root');
    fs.writeFileSync(leftover, 'x');
    const again = await runCli(['service', 'install', '--user', installed.user, '--data', installed.dataDir, '--unit-dir', installed.unitDir, '--json'], { dataDir: path.join(installed.root, 'unused') });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(json(again).userCreated, false);
    assert.equal(fs.statSync(leftover).uid, uidOf(installed.user));
  });

  it("the unit's command starts as its user with its environment, answers /healthz with the version, logs JSON, stops on SIGTERM", needsRoot, async (t) => {
    const installed = await install(t);
    const unit = parseUnit(fs.readFileSync(installed.unitFile, 'utf8'));
    assert.equal(unit.user, installed.user);
    assert.deepEqual(unit.execStart.slice(1), [BIN, 'up'], 'the installed binary, run as `up`');
    // As systemd runs it: that user and group, a clean environment (systemd's PATH, the user's
    // HOME), the unit's Environment= lines, plus free ports as a drop-in would set them.
    const ports = await freePortEnv();
    const env = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: installed.dataDir, USER: installed.user, LOGNAME: installed.user, ...unit.environment, ...ports };
    const child = spawn('setpriv', ['--reuid', installed.user, '--regid', String(gidOf(installed.user)), '--init-groups', '--', ...unit.execStart], {
      env,
      cwd: '/',
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    t.after(() => child.kill('SIGKILL'));

    const health = await waitFor('the service to answer /healthz', async () => {
      const response = await fetch(`${ports.PLATFORM_URL}/healthz`).catch(() => null);
      return response?.ok ? ((await response.json()) as { status: string; version: string }) : undefined;
    }, 60_000).catch((error: Error) => assert.fail(`${error.message}\n${stderr}`));
    assert.deepEqual(health, { status: 'ok', version: PACKAGE_VERSION });

    const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
    assert.match(status, new RegExp(`^Uid:\\s+${uidOf(installed.user)}\\s`, 'm'), 'runs as the service user');
    for (const file of ['streamgate.db', 'secret']) {
      const stat = fs.statSync(path.join(installed.dataDir, file));
      assert.equal(stat.uid, uidOf(installed.user), `${file} belongs to the service user`);
      assert.equal(stat.mode & 0o777, 0o600, `${file} is 0600`);
    }
    const logLine = stderr.split('\n').find((line) => line.includes('platform listening'));
    assert.ok(logLine, stderr);
    assert.equal(JSON.parse(logLine!).service, 'platform', 'STREAMGATE_LOG_FORMAT=json from the unit');

    // Once every service runs (up prints its summary then), SIGTERM stops them all cleanly.
    await waitFor('the summary of up', () => stderr.includes('viewer portal'), 30_000);
    child.kill('SIGTERM');
    assert.equal(await closed, 0, stderr);
  });

  it('uninstall removes the unit (and an enablement link), keeps the data directory and the user', needsRoot, async (t) => {
    const installed = await install(t);
    const wants = path.join(installed.unitDir, 'multi-user.target.wants');
    fs.mkdirSync(wants);
    fs.symlinkSync(installed.unitFile, path.join(wants, 'streamgate.service'));
    const removed = await runCli(['service', 'uninstall', '--unit-dir', installed.unitDir, '--json'], { dataDir: path.join(installed.root, 'unused') });
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(json(removed).removed, true);
    assert.equal(fs.existsSync(installed.unitFile), false);
    assert.deepEqual(fs.readdirSync(wants), []);
    assert.ok(fs.existsSync(installed.dataDir));
    assert.equal(spawnSync('id', ['-u', installed.user]).status, 0, 'the user stays');
  });

  it('refuses to run as anyone but root, with one clear line (exit 1)', { skip: !isRoot && 'needs root to become another user', timeout: 30_000 }, async () => {
    const unitDir = tempDir('streamgate-service-');
    fs.chmodSync(unitDir, 0o777);
    try {
      for (const verb of ['install', 'uninstall']) {
        const result = spawnSync('setpriv', ['--reuid', 'nobody', '--regid', 'nogroup', '--clear-groups', '--', process.execPath, BIN, 'service', verb, '--unit-dir', unitDir], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
        assert.equal(result.status, 1, result.stderr);
        assert.equal(result.stderr, `streamgate: service ${verb} must run as root (try: sudo streamgate service ${verb})\n`);
      }
      assert.deepEqual(fs.readdirSync(unitDir), []);
    } finally {
      fs.rmSync(unitDir, { recursive: true, force: true });
    }
  });

  it('refuses a bad user name or data directory before changing anything (exit 2)', needsRoot, async () => {
    const unitDir = tempDir('streamgate-service-');
    try {
      for (const user of ['root', 'Bad User', '-x']) {
        const result = await runCli(['service', 'install', '--user', user, '--unit-dir', unitDir, '--data', path.join(unitDir, 'data')], { dataDir: path.join(unitDir, 'unused') });
        assert.equal(result.code, 2, result.stderr);
        assert.match(result.stderr, /^streamgate: --user: /);
      }
      const spaced = await runCli(['service', 'install', '--user', 'sgnever', '--unit-dir', unitDir, '--data', path.join(unitDir, 'da ta')], { dataDir: path.join(unitDir, 'unused') });
      assert.equal(spaced.code, 2, spaced.stderr);
      assert.match(spaced.stderr, /^streamgate: --data: a path without spaces/);
      assert.notEqual(spawnSync('id', ['-u', 'sgnever']).status, 0, 'no user created');
      assert.deepEqual(fs.readdirSync(unitDir), []);
    } finally {
      fs.rmSync(unitDir, { recursive: true, force: true });
    }
  });
});
