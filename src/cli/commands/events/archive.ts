import { cliActor } from '../../../core/audit-log.js';
import { archiveEvent } from '../../../core/events/event-service.js';
import { toEventView } from '../../../core/events/event-view.js';
import type { CommandContext } from '../../context.js';
import { printEvent } from '../../print-event.js';

export async function run(ctx: CommandContext, _options: unknown, [id]: string[]): Promise<void> {
  const row = await archiveEvent({ db: await ctx.db(), clock: ctx.clock, actor: cliActor() }, id!);
  await printEvent(ctx.out, toEventView(row, ctx.config, await ctx.keyring()));
}
