import { cliActor } from '../../../../core/audit-log.js';
import { removeAdminUser } from '../../../../core/admin/admin-accounts.js';
import { confirmChange, type ConfirmOptions } from '../../../confirm.js';
import type { CommandContext } from '../../../context.js';
import { printJson } from '../../../output.js';

export async function run(ctx: CommandContext, options: ConfirmOptions, [username]: string[]): Promise<void> {
  await confirmChange(options, `Remove console user ${username}? Their sessions end at once.`);
  const result = await removeAdminUser({ db: await ctx.db(), clock: ctx.clock, actor: cliActor() }, username!);
  if (ctx.out.json) return printJson(result);
  process.stderr.write(`Console user ${username} removed.\n`);
}
