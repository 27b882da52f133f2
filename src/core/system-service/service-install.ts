import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../atomic-file.js';
import { installRoot } from '../config.js';
import { AppError, invalidInput, operationalFailure } from '../errors.js';
import { renderUnit, UNIT_NAME } from './systemd-unit.js';

export const DEFAULT_SERVICE_USER = 'streamgate';
export const DEFAULT_SERVICE_DATA_DIR = '/var/lib/streamgate';
export const DEFAULT_UNIT_DIR = '/etc/systemd/system';

/** useradd's portable rule for a user name (Debian's is looser; this one is safe everywhere). */
const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

export interface ServiceInstallOptions {
  user: string;
  dataDir: string;
  unitDir: string;
}

export interface ServiceInstallResult {
  unitFile: string;
  user: string;
  userCreated: boolean;
  dataDir: string;
  /** Whether systemd runs this machine; without it nothing can start the unit here. */
  systemdRunning: boolean;
  nextSteps: string[];
}

/** systemd's own test (sd_booted): it is PID 1 when this directory exists. */
export function systemdRunning(): boolean {
  return fs.existsSync('/run/systemd/system');
}

export function requireRoot(command: string): void {
  if (process.getuid?.() !== 0) throw operationalFailure(`${command} must run as root (try: sudo streamgate ${command})`, 'not_root');
}

function run(command: string, args: string[]): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error) return { ok: false, output: result.error.message };
  return { ok: result.status === 0, output: `${result.stderr}${result.stdout}`.trim() };
}

function userExists(user: string): boolean {
  return run('id', ['-u', user]).ok;
}

/**
 * Writes the systemd unit for this install: creates the system user if missing, makes the data
 * directory its own (0700), and checks that the user can run this install's binary before
 * anything points a service at it. Safe to run again (an upgrade rewrites the unit).
 */
export function installService(options: ServiceInstallOptions): ServiceInstallResult {
  requireRoot('service install');
  if (!USER_NAME.test(options.user)) throw invalidInput(`--user: "${options.user}" is not a valid user name (lower case letters, digits, _ and -)`);
  if (options.user === 'root') throw invalidInput('--user: not root: the service runs as a dedicated user');
  const dataDir = path.resolve(options.dataDir);
  if (dataDir === '/') throw invalidInput('--data: not /');
  if (!/^[^\s"'\\$%;]+$/.test(dataDir)) throw invalidInput(`--data: a path without spaces, quotes, $, % or ; (systemd would read them otherwise): ${dataDir}`);
  const binary = path.join(installRoot(), 'bin', 'streamgate');

  let userCreated = false;
  if (!userExists(options.user)) {
    // A system user: no password, no login shell, its home the data directory (not created here).
    const created = run('useradd', ['--system', '--user-group', '--home-dir', dataDir, '--no-create-home', '--shell', '/usr/sbin/nologin', options.user]);
    if (!created.ok) throw operationalFailure(`useradd ${options.user} failed: ${created.output.split('\n')[0]}`);
    userCreated = true;
  }

  makeDataDir(dataDir);
  // An earlier run as root (`streamgate init` by hand) may have left files only root can write.
  const owned = run('chown', ['-R', `${options.user}:`, dataDir]);
  if (!owned.ok) throw operationalFailure(`chown ${dataDir} failed: ${owned.output.split('\n')[0]}`);
  fs.chmodSync(dataDir, 0o700);

  // A checkout in /root is unreadable for the service user, a data directory under a closed one
  // unreachable: say so now, not in the journal later.
  const asUser = (...command: string[]) =>
    spawnSync('setpriv', ['--reuid', options.user, '--regid', run('id', ['-g', options.user]).output, '--init-groups', '--', ...command], { encoding: 'utf8' }).status === 0;
  if (!asUser(process.execPath, binary, '--version')) {
    throw new AppError(500, 'install_unreadable', `user ${options.user} cannot run ${binary}: install StreamGate where that user can read it (e.g. clone it into /opt/streamgate)`);
  }
  if (!asUser('test', '-w', dataDir)) {
    throw new AppError(500, 'data_dir_unreachable', `user ${options.user} cannot write ${dataDir}: a directory above it is closed to that user`);
  }

  fs.mkdirSync(options.unitDir, { recursive: true });
  const unitFile = path.join(options.unitDir, UNIT_NAME);
  writeFileAtomic(unitFile, renderUnit({ node: process.execPath, binary, user: options.user, dataDir }), 0o644);

  const running = systemdRunning();
  const nextSteps = running
    ? ['systemctl daemon-reload', 'systemctl enable --now streamgate', 'journalctl -u streamgate -f']
    : [`systemd is not running on this machine (a container?): nothing can start ${UNIT_NAME} here; on a systemd host run: systemctl daemon-reload && systemctl enable --now streamgate`];
  return { unitFile, user: options.user, userCreated, dataDir, systemdRunning: running, nextSteps };
}

/**
 * The data directory, 0700; directories created above it are 0755 (as /var/lib is), or the
 * service user could not reach it. Explicit modes: `streamgate` runs with umask 077.
 */
function makeDataDir(dataDir: string): void {
  const missing: string[] = [];
  for (let dir = dataDir; !fs.existsSync(dir); dir = path.dirname(dir)) missing.unshift(dir);
  for (const dir of missing) {
    fs.mkdirSync(dir);
    fs.chmodSync(dir, dir === dataDir ? 0o700 : 0o755);
  }
}

export interface ServiceUninstallResult {
  unitFile: string;
  removed: boolean;
  /** What is left on purpose: the recordings and codes, and the user owning them. */
  kept: string[];
}

/**
 * Stops and removes the unit. The data directory and the user stay: they hold the database,
 * `data/secret` and the recordings, which no uninstall should take with it.
 */
export function uninstallService(options: Pick<ServiceInstallOptions, 'unitDir'>): ServiceUninstallResult {
  requireRoot('service uninstall');
  const unitFile = path.join(options.unitDir, UNIT_NAME);
  if (systemdRunning() && fs.existsSync(unitFile)) {
    // Stopped and disabled while systemd still knows the unit; harmless when it never ran.
    run('systemctl', ['disable', '--now', UNIT_NAME]);
  }
  const removed = fs.existsSync(unitFile);
  fs.rmSync(unitFile, { force: true });
  // What `systemctl enable` links, in case it was enabled without systemd running (an image build).
  fs.rmSync(path.join(options.unitDir, 'multi-user.target.wants', UNIT_NAME), { force: true });
  if (systemdRunning()) run('systemctl', ['daemon-reload']);
  return { unitFile, removed, kept: ['the data directory (database, data/secret, recordings)', 'the system user'] };
}
