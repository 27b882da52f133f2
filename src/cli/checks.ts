import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { sqlitePath, type Config } from '../core/config.js';
import { findOpenModes, octal } from '../core/data-dir-modes.js';
import { loadKeyring, secretFileMode, secretPath } from '../core/secret-store.js';
import { findStaleTempFiles } from '../core/stale-temp-files.js';

/** Checks shared by `doctor` (all of them, as a table) and `serve` (those its services need). */
export type Status = 'ok' | 'warn' | 'fail';
export interface Check {
  name: string;
  status: Status;
  detail: string;
}

export function checkDataDir(config: Config): Check {
  try {
    fs.accessSync(config.dataDir, fs.constants.W_OK);
    return { name: 'data directory', status: 'ok', detail: config.dataDir };
  } catch {
    const exists = fs.existsSync(config.dataDir);
    return { name: 'data directory', status: 'fail', detail: `${config.dataDir} ${exists ? 'is not writable' : 'does not exist: run streamgate init'}` };
  }
}

/** Reported by `doctor`; `init`, `up` and `serve` tighten them (saying so). */
export function checkFileModes(config: Config): Check {
  const open = findOpenModes(config);
  const files = sqlitePath(config) ? 'data directory 0700, database files 0600' : 'data directory 0700';
  if (open.length === 0) return { name: 'file modes', status: 'ok', detail: files };
  const list = open.map((p) => `${p.path} is ${octal(p.mode)}`).join(', ');
  return { name: 'file modes', status: 'fail', detail: `other users can read the data: ${list}; run streamgate init (it tightens them to 0700/0600)` };
}

export function checkSecret(config: Config): Check {
  const mode = secretFileMode(config);
  if (mode === null) return { name: 'secret', status: 'fail', detail: `${secretPath(config)} missing: run streamgate init` };
  if (mode !== 0o600) return { name: 'secret', status: 'fail', detail: `${secretPath(config)} has mode 0${mode.toString(8)}: chmod 600 it` };
  try {
    const keyring = loadKeyring(config);
    const source = config.playbackSigningSecret ? 'PLAYBACK_SIGNING_SECRET' : 'data/secret';
    return { name: 'secret', status: 'ok', detail: `mode 0600, signing key ${keyring.current.kid} from ${source}, ${keyring.byKid.size} key(s)` };
  } catch (error) {
    return { name: 'secret', status: 'fail', detail: (error as Error).message };
  }
}

/**
 * Only a missing or broken FFmpeg fails the check. One that is slow to print its version (a busy
 * machine: CI saw over 5 s) is a warning, so `serve` still starts; the ingest reports a real
 * failure when it runs FFmpeg.
 */
export async function checkFfmpeg(config: Config, timeoutMs = 30_000): Promise<Check> {
  try {
    const { stdout } = await promisify(execFile)(config.ffmpegPath, ['-hide_banner', '-version'], { timeout: timeoutMs });
    return { name: 'ffmpeg', status: 'ok', detail: stdout.split('\n')[0] ?? config.ffmpegPath };
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { killed?: boolean };
    if (failure.code === 'ENOENT') {
      return { name: 'ffmpeg', status: 'fail', detail: `${config.ffmpegPath} not found: apt-get install ffmpeg (or set FFMPEG_PATH)` };
    }
    if (failure.killed) {
      return { name: 'ffmpeg', status: 'warn', detail: `${config.ffmpegPath} did not print its version within ${timeoutMs / 1000} s (a busy machine?)` };
    }
    return { name: 'ffmpeg', status: 'fail', detail: `${config.ffmpegPath} does not run: ${failure.message.split('\n')[0]}` };
  }
}

/** For `doctor` a port in use may be StreamGate itself (a warning); for `serve` it is a failure. */
export function checkPort(name: string, host: string, port: number, inUse: Status = 'warn'): Promise<Check> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      resolve({ name, status: inUse, detail: `${host}:${port} ${error.code === 'EADDRINUSE' ? 'in use (already running?)' : error.code}` }),
    );
    server.listen(port, host, () => server.close(() => resolve({ name, status: 'ok', detail: `${host}:${port} free` })));
  });
}

/**
 * Temporary files left by a writer that was killed (`tokens create --out` holds plaintext codes
 * in one): in the data directory and in the current directory, where `--out codes.csv` lands.
 * Reported, not removed: `tokens create` removes those beside its own --out.
 */
export function checkLeftovers(dirs: string[]): Check {
  const unique = [...new Set(dirs.map((d) => path.resolve(d)))];
  const stale = unique.flatMap((dir) => findStaleTempFiles(dir));
  if (stale.length === 0) return { name: 'leftover files', status: 'ok', detail: `none in ${unique.join(', ')}` };
  return {
    name: 'leftover files',
    status: 'warn',
    detail: `${stale.length} temporary file(s) left by an interrupted run; they may hold plaintext codes, delete them: rm ${stale.map((f) => f.path).join(' ')}`,
  };
}

/** Live HLS and VOD imports write gigabytes; FFmpeg on a full disk writes empty segments. */
export const LOW_DISK_BYTES = 2 * 1024 ** 3;

export function checkFreeDisk(dir: string, minimumBytes = LOW_DISK_BYTES): Check {
  try {
    const stats = fs.statfsSync(dir);
    const free = stats.bavail * stats.bsize;
    const detail = `${formatBytes(free)} free of ${formatBytes(stats.blocks * stats.bsize)} at ${dir}`;
    if (free < minimumBytes) return { name: 'free disk', status: 'warn', detail: `only ${detail}: recordings need space (keep at least ${formatBytes(minimumBytes)} free)` };
    return { name: 'free disk', status: 'ok', detail };
  } catch (error) {
    return { name: 'free disk', status: 'warn', detail: `cannot tell free space at ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  return `${Math.round(bytes / 1024 ** 2)} MiB`;
}
