import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Writes a media file that readers see whole or not at all (a temporary name beside it, then a
 * rename), without the fsyncs of writeFileAtomic: a part lives a few seconds and a lost one is
 * worthless after a crash, while a sync on every 200 ms part would add its latency to every
 * viewer's. The temporary name follows atomic-file.ts's pattern, so leftovers are cleaned the same way.
 */
export function publishFile(target: string, data: Buffer | string): void {
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  try {
    fs.writeFileSync(temp, data, { mode: 0o644 });
    fs.renameSync(temp, target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}
