import fs from 'node:fs';
import path from 'node:path';
import { TEMP_FILE_PATTERN } from './atomic-file.js';

/**
 * A writer killed before its commit (kill -9, a power cut) leaves its hidden temporary file
 * behind, and for `tokens create --out` that file holds plaintext codes. These find such files
 * by our own naming pattern only, and count one as stale when its writer is gone: the pid in its
 * name is not running, or (pid reused, or a file from a version without the pid) nothing has
 * written to it for an hour. A live writer writes continuously and commits within minutes.
 */
export const STALE_AFTER_MS = 3_600_000;

export interface StaleTempFile {
  path: string;
  bytes: number;
  modifiedAt: Date;
}

export function findStaleTempFiles(dir: string, now: number = Date.now()): StaleTempFile[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const stale: StaleTempFile[] = [];
  for (const name of names) {
    const match = TEMP_FILE_PATTERN.exec(name);
    if (!match) continue;
    const file = path.join(dir, name);
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(file);
    } catch {
      continue; // committed or removed meanwhile
    }
    if (!stat.isFile()) continue;
    const pid = match[2] ? Number(match[2]) : null;
    const idle = now - stat.mtimeMs > STALE_AFTER_MS;
    if (idle || (pid !== null && !isRunning(pid))) stale.push({ path: file, bytes: stat.size, modifiedAt: stat.mtime });
  }
  return stale;
}

/** Removes what `findStaleTempFiles` finds; returns the files removed. */
export function removeStaleTempFiles(dir: string, now: number = Date.now()): StaleTempFile[] {
  const removed: StaleTempFile[] = [];
  for (const file of findStaleTempFiles(dir, now)) {
    try {
      fs.rmSync(file.path);
      removed.push(file);
    } catch {
      // gone already, or not ours to remove (another user's directory): doctor reports it
    }
  }
  return removed;
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
