import { schemaChangeOf } from '../../../core/db/database.js';
import { LATEST_MIGRATION } from '../../../core/db/migrations.js';
import { streamgateVersion } from '../../../core/version.js';
import type { CommandContext } from '../../context.js';
import { printFields, printJson } from '../../output.js';

/**
 * Brings the database's schema up to this version's now, rather than at the next start of a
 * service (`install.sh` runs it on an upgrade). Every command migrates when it opens the database;
 * this one only says what it did. A schema newer than this version is refused (exit 1).
 */
export async function run(ctx: CommandContext): Promise<void> {
  const change = schemaChangeOf(await ctx.db());
  const result = { version: streamgateVersion(), from: change.from, to: LATEST_MIGRATION, applied: change.applied };
  if (ctx.out.json) return printJson(result);
  await printFields(ctx.out, [
    ['schema', change.applied.length > 0 ? `${result.to} (was ${result.from ?? 'empty'}; ${change.applied.length} migration(s) run)` : `${result.to}: up to date`],
    ['streamgate', result.version],
  ]);
}
