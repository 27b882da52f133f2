import { cliActor } from '../../../core/audit-log.js';
import { getEvent, rotateStreamKey } from '../../../core/events/event-service.js';
import { toEventView } from '../../../core/events/event-view.js';
import { confirmChange, type ConfirmOptions } from '../../confirm.js';
import type { CommandContext } from '../../context.js';
import { printEvent } from '../../print-event.js';

export async function run(ctx: CommandContext, options: ConfirmOptions, [id]: string[]): Promise<void> {
  const db = await ctx.db();
  await getEvent(db, id!);
  await confirmChange(options, `Give event ${id} a new stream key? The current key stops working: the encoder (OBS) needs the new one for its next publish.`);
  const keyring = await ctx.keyring();
  const row = await rotateStreamKey({ db, clock: ctx.clock, actor: cliActor(), keyring }, id!);
  await printEvent(ctx.out, toEventView(row, ctx.config, keyring));
}
