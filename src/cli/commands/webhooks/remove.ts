import { cliActor } from '../../../core/audit-log.js';
import { removeWebhook } from '../../../core/webhooks/webhook-registry.js';
import { confirmChange, type ConfirmOptions } from '../../confirm.js';
import type { CommandContext } from '../../context.js';
import { printJson } from '../../output.js';

export async function run(ctx: CommandContext, options: ConfirmOptions, [id]: string[]): Promise<void> {
  await confirmChange(options, `Remove webhook ${id}? Its pending deliveries and its delivery log go with it.`);
  const view = await removeWebhook({ db: await ctx.db(), clock: ctx.clock, actor: cliActor() }, id!);
  if (ctx.out.json) return printJson(view);
  process.stderr.write(`webhook ${view.id} (${view.url}) removed.\n`);
}
