import { cliActor } from '../../../core/audit-log.js';
import { updateEvent } from '../../../core/events/event-service.js';
import { goLive } from '../../../core/events/event-go-live.js';
import { toEventView } from '../../../core/events/event-view.js';
import type { CommandContext } from '../../context.js';
import { clearableTimeFlag, rewatchHoursFlag } from '../../flags.js';
import { printEvent } from '../../print-event.js';

interface UpdateOptions {
  title?: string;
  startsAt?: string;
  endsAt?: string;
  rewatch?: string;
  ladder?: string;
  devicePolicy?: string;
  goLive?: boolean;
}

export async function run(ctx: CommandContext, options: UpdateOptions, [id]: string[]): Promise<void> {
  const deps = { db: await ctx.db(), clock: ctx.clock, actor: cliActor() };
  if (options.goLive) {
    // Alone, or first: the other changes then apply to the event as started.
    const started = await goLive(deps, id!);
    const { title, endsAt, rewatch, ladder, devicePolicy } = options;
    if ([title, endsAt, rewatch, ladder, devicePolicy].every((value) => value === undefined)) {
      return printEvent(ctx.out, toEventView(started, ctx.config, await ctx.keyring()));
    }
  }
  const input = {
    title: options.title,
    startsAt: clearableTimeFlag(options.startsAt, '--starts-at'),
    endsAt: clearableTimeFlag(options.endsAt, '--ends-at'),
    rewatchHours: rewatchHoursFlag(options.rewatch),
    ladder: options.ladder,
    devicePolicy: options.devicePolicy,
  };
  const row = await updateEvent(deps, id!, input);
  await printEvent(ctx.out, toEventView(row, ctx.config, await ctx.keyring()));
}
