import { cliActor } from '../../../core/audit-log.js';
import { revokeApiKey } from '../../../core/admin/api-keys.js';
import { confirmChange, type ConfirmOptions } from '../../confirm.js';
import type { CommandContext } from '../../context.js';
import { printJson } from '../../output.js';

export async function run(ctx: CommandContext, options: ConfirmOptions, [id]: string[]): Promise<void> {
  await confirmChange(options, `Revoke API key ${id}? Every request with it fails from then on.`);
  const view = await revokeApiKey({ db: await ctx.db(), clock: ctx.clock, actor: cliActor() }, id!);
  if (ctx.out.json) return printJson(view);
  process.stderr.write(`API key ${view.id} (${view.name}) revoked; it fails from the next request on.\n`);
}
