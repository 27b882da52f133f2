import { cliActor } from '../../../core/audit-log.js';
import { endSessionByOperator } from '../../../core/sessions/session-admin.js';
import { confirmChange, type ConfirmOptions } from '../../confirm.js';
import type { CommandContext } from '../../context.js';
import { printJson } from '../../output.js';

export async function run(ctx: CommandContext, options: ConfirmOptions, [id]: string[]): Promise<void> {
  await confirmChange(options, `End session ${id}? Its viewer's player stops.`);
  const result = await endSessionByOperator({ db: await ctx.db(), clock: ctx.clock, actor: cliActor() }, id!);
  if (ctx.out.json) return printJson(result);
  process.stderr.write(result.ended ? `session ${result.id} ended; the viewer's player stops within a second.\n` : `session ${result.id} had already ended.\n`);
}
