import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * The temporary file's name: hidden, beside the target, carrying the writer's pid so a later run
 * can tell a crashed writer's leftover from a live writer's file (see stale-temp-files.ts).
 */
export const TEMP_FILE_PATTERN = /^\.(.+)\.(?:(\d+)-)?([0-9a-f]{12})\.tmp$/;

function tempName(targetPath: string): string {
  return `.${path.basename(targetPath)}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
}

/**
 * A file that appears whole or not at all: data goes to a hidden temporary file beside the
 * target (same filesystem, so the rename is atomic), which is flushed to disk and renamed
 * over the target on `commit`. `abort` removes it. Created with `mode` from the start so a
 * secret never sits on disk world-readable, not even for a moment.
 */
export class AtomicFile {
  readonly tempPath: string;
  private fd: number | null;

  constructor(readonly targetPath: string, mode = 0o600) {
    const dir = path.dirname(path.resolve(targetPath));
    this.tempPath = path.join(dir, tempName(targetPath));
    this.fd = fs.openSync(this.tempPath, 'wx', mode);
    fs.fchmodSync(this.fd, mode); // the umask may have narrowed or widened nothing; be exact
  }

  write(data: string | Buffer): void {
    if (this.fd === null) throw new Error('AtomicFile already closed');
    fs.writeFileSync(this.fd, data); // loops until every byte is written
  }

  /** Flushes what was written to disk without publishing it yet. */
  sync(): void {
    if (this.fd === null) throw new Error('AtomicFile already closed');
    fs.fsyncSync(this.fd);
  }

  /**
   * Publishes the file. With `replace: false` an existing target is never touched: the file is
   * linked into place (which fails with EEXIST when the name is taken, atomically, unlike a
   * check followed by a rename) and the temporary file stays for the caller to deal with.
   */
  commit({ replace = true }: { replace?: boolean } = {}): void {
    if (this.fd === null) throw new Error('AtomicFile already closed');
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = null;
    if (replace) {
      fs.renameSync(this.tempPath, this.targetPath);
    } else {
      fs.linkSync(this.tempPath, this.targetPath);
      fs.rmSync(this.tempPath, { force: true });
    }
    syncDirectory(path.dirname(path.resolve(this.targetPath)));
  }

  abort(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    fs.rmSync(this.tempPath, { force: true });
  }
}

export function writeFileAtomic(targetPath: string, data: string | Buffer, mode = 0o600): void {
  const file = new AtomicFile(targetPath, mode);
  try {
    file.write(data);
    file.commit();
  } catch (error) {
    file.abort();
    throw error;
  }
}

// Makes the rename itself durable; some filesystems refuse to fsync a directory, which is fine.
function syncDirectory(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}
