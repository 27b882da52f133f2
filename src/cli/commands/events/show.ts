import { getEvent } from '../../../core/events/event-service.js';
import { toEventView } from '../../../core/events/event-view.js';
import type { CommandContext } from '../../context.js';
import { printEvent } from '../../print-event.js';

export async function run(ctx: CommandContext, _options: unknown, [id]: string[]): Promise<void> {
  const row = await getEvent(await ctx.db(), id!);
  await printEvent(ctx.out, toEventView(row, ctx.config, await ctx.keyring()));
}
