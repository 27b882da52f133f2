import { cliActor } from '../../../core/audit-log.js';
import { updateEvent } from '../../../core/events/event-service.js';
import { toEventView } from '../../../core/events/event-view.js';
import type { CommandContext } from '../../context.js';
import { clearableTimeFlag, rewatchHoursFlag } from '../../flags.js';
import { printEvent } from '../../print-event.js';

export async function run(ctx: CommandContext, options: Record<string, string | undefined>, [id]: string[]): Promise<void> {
  const input = {
    title: options.title,
    startsAt: clearableTimeFlag(options.startsAt, '--starts-at'),
    endsAt: clearableTimeFlag(options.endsAt, '--ends-at'),
    rewatchHours: rewatchHoursFlag(options.rewatch),
    ladder: options.ladder,
  };
  const row = await updateEvent({ db: await ctx.db(), clock: ctx.clock, actor: cliActor() }, id!, input);
  await printEvent(ctx.out, toEventView(row, ctx.config, await ctx.keyring()));
}
