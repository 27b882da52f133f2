import { getEvent } from '../../../core/events/event-service.js';
import { toEventView } from '../../../core/events/event-view.js';
import type { CommandContext } from '../../context.js';
import { printEvent } from '../../print-event.js';
import { findBranding, toBrandingView } from '../../../core/events/event-branding.js';

export async function run(ctx: CommandContext, _options: unknown, [id]: string[]): Promise<void> {
  const db = await ctx.db();
  const row = await getEvent(db, id!);
  await printEvent(ctx.out, toEventView(row, ctx.config, await ctx.keyring()), toBrandingView(await findBranding(db, row.id)));
}
