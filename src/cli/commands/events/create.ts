import { cliActor } from '../../../core/audit-log.js';
import { createEvent } from '../../../core/events/event-service.js';
import { toEventView } from '../../../core/events/event-view.js';
import type { CommandContext } from '../../context.js';
import { rewatchHoursFlag, timeFlag } from '../../flags.js';
import { printEvent } from '../../print-event.js';
import { brandingFromFlags } from '../../branding-flags.js';
import { findBranding, toBrandingView } from '../../../core/events/event-branding.js';

export async function run(ctx: CommandContext, options: Record<string, string | undefined>): Promise<void> {
  const input = {
    title: options.title ?? '',
    id: options.id,
    startsAt: timeFlag(options.startsAt, '--starts-at') ?? null,
    endsAt: timeFlag(options.endsAt, '--ends-at') ?? null,
    rewatchHours: rewatchHoursFlag(options.rewatch) ?? ctx.config.defaultRewatchHours,
    ladder: options.ladder,
    branding: brandingFromFlags(ctx.config, options),
    devicePolicy: options.devicePolicy,
    // Commander gives a flag without a value as true.
    public: (options.public as unknown) === true,
  };
  const keyring = await ctx.keyring();
  const db = await ctx.db();
  const row = await createEvent({ db, clock: ctx.clock, actor: cliActor(), keyring }, input);
  await printEvent(ctx.out, toEventView(row, ctx.config, keyring), toBrandingView(await findBranding(db, row.id)));
}
