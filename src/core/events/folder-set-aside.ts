import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** A folder moved out of the way until the database has agreed to its removal. */
export interface FolderSetAside {
  /** Where it is now (nothing was there to move if `moved` is false). */
  readonly trash: string;
  readonly moved: boolean;
  /** Back where it was: the database refused, so nothing changed. */
  putBack(): void;
  /** Gone for good: the database change committed. */
  remove(): void;
}

/**
 * Renames `dir` beside itself (`.<purpose>-<name>-<random>`) in one step, so the edge and the
 * ingest see the folder whole or not at all, never half deleted.
 */
export function setFolderAside(dir: string, purpose: string): FolderSetAside {
  const trash = path.join(path.dirname(dir), `.${purpose}-${path.basename(dir)}-${crypto.randomBytes(4).toString('hex')}`);
  const moved = fs.existsSync(dir);
  if (moved) fs.renameSync(dir, trash);
  return {
    trash,
    moved,
    putBack: () => {
      if (moved && !fs.existsSync(dir)) fs.renameSync(trash, dir);
    },
    remove: () => {
      if (moved) fs.rmSync(trash, { recursive: true, force: true });
    },
  };
}
