import fs from 'node:fs';
import path from 'node:path';
import { createBackup } from '../../core/backup/backup-archive.js';
import { installRoot } from '../../core/config.js';
import type { CommandContext } from '../context.js';
import { printFields, printJson } from '../output.js';

interface BackupOptions {
  withMedia?: boolean;
  force?: boolean;
}

export async function run(ctx: CommandContext, options: BackupOptions, [out]: string[]): Promise<void> {
  const version = (JSON.parse(fs.readFileSync(path.join(installRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  const result = await createBackup(ctx.config, { out: out!, withMedia: Boolean(options.withMedia), force: Boolean(options.force), version, now: ctx.clock() });
  if (ctx.out.json) return printJson(result);
  await printFields(ctx.out, [
    ['archive', `${result.file} (mode 0600)`],
    ['size', `${(result.bytes / 1e6).toFixed(1)} MB`],
    ['database', result.database === 'sqlite' ? 'SQLite snapshot, integrity checked' : 'PostgreSQL (pg_dump)'],
    ['secret', 'data/secret (keep the archive as safe as it: it lets one sign playback tokens)'],
    ['keys', `${result.keyFiles} sealed encryption key(s) of encrypted events (data/keys)`],
    ['media', options.withMedia ? `${result.mediaFiles} files, ${(result.mediaBytes / 1e6).toFixed(1)} MB` : 'not included (--with-media adds the HLS folders)'],
    ...(result.pendingBatchesLeftOut ? [['left out', `${result.pendingBatchesLeftOut} code batch(es) still being written (their codes were not usable yet)`] as [string, string]] : []),
  ]);
}
