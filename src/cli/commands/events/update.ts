import { cliActor } from '../../../core/audit-log.js';
import { updateEvent } from '../../../core/events/event-service.js';
import { goLive } from '../../../core/events/event-go-live.js';
import { toEventView } from '../../../core/events/event-view.js';
import type { CommandContext } from '../../context.js';
import { clearableTimeFlag, rewatchHoursFlag } from '../../flags.js';
import { printEvent } from '../../print-event.js';
import { brandingFromFlags, type BrandingFlags } from '../../branding-flags.js';
import { findBranding, toBrandingView } from '../../../core/events/event-branding.js';

interface UpdateOptions extends BrandingFlags {
  title?: string;
  startsAt?: string;
  endsAt?: string;
  rewatch?: string;
  ladder?: string;
  devicePolicy?: string;
  goLive?: boolean;
  public?: boolean;
}

export async function run(ctx: CommandContext, options: UpdateOptions, [id]: string[]): Promise<void> {
  const deps = { db: await ctx.db(), clock: ctx.clock, actor: cliActor() };
  if (options.goLive) {
    // Alone, or first: the other changes then apply to the event as started.
    const started = await goLive(deps, id!);
    const { title, endsAt, rewatch, ladder, devicePolicy, description, organiser, poster, logo, accent, language } = options;
    if ([title, endsAt, rewatch, ladder, devicePolicy, options.public, description, organiser, poster, logo, accent, language].every((value) => value === undefined)) {
      return printEvent(ctx.out, toEventView(started, ctx.config, await ctx.keyring()), toBrandingView(await findBranding(deps.db, started.id)));
    }
  }
  const input = {
    title: options.title,
    startsAt: clearableTimeFlag(options.startsAt, '--starts-at'),
    endsAt: clearableTimeFlag(options.endsAt, '--ends-at'),
    rewatchHours: rewatchHoursFlag(options.rewatch),
    ladder: options.ladder,
    branding: brandingFromFlags(ctx.config, options),
    devicePolicy: options.devicePolicy,
    public: options.public,
  };
  const row = await updateEvent(deps, id!, input);
  await printEvent(ctx.out, toEventView(row, ctx.config, await ctx.keyring()), toBrandingView(await findBranding(deps.db, row.id)));
}
