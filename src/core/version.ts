import fs from 'node:fs';
import path from 'node:path';
import { installRoot } from './config.js';

let cached: string | null = null;

/**
 * This program's version, from the package.json it was installed with: the one number that
 * `--version`, `/healthz` and the database's upgrade record all report, so they cannot disagree.
 */
export function streamgateVersion(): string {
  cached ??= (JSON.parse(fs.readFileSync(path.join(installRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return cached;
}
