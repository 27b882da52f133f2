import { restoreBackup } from '../../core/backup/restore-archive.js';
import type { CommandContext } from '../context.js';
import { printFields, printJson } from '../output.js';

export async function run(ctx: CommandContext, _options: unknown, [input]: string[]): Promise<void> {
  const result = await restoreBackup(ctx.config, input!);
  if (ctx.out.json) return printJson(result);
  await printFields(ctx.out, [
    ['data directory', `${result.dataDir} (0700, files 0600)`],
    ['database', result.database === 'sqlite' ? 'SQLite, passes PRAGMA integrity_check' : 'PostgreSQL (pg_restore)'],
    ['backup', `taken ${result.backupCreatedAt} by StreamGate ${result.backupVersion}`],
    ['restored', `${result.events} event(s), ${result.codes} code(s), ${result.mediaFiles} media file(s), ${result.keyFiles} encryption key(s)`],
  ]);
  process.stdout.write('\nNext: streamgate serve (or start the service)\n');
}
