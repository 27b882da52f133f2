import { cliActor } from '../../../core/audit-log.js';
import { countCodes } from '../../../core/codes/code-listing.js';
import { archiveEvent, getEvent } from '../../../core/events/event-service.js';
import { listActiveSessions } from '../../../core/sessions/session-admin.js';
import { toEventView } from '../../../core/events/event-view.js';
import { confirmChange, type ConfirmOptions } from '../../confirm.js';
import type { CommandContext } from '../../context.js';
import { printEvent } from '../../print-event.js';

export async function run(ctx: CommandContext, options: ConfirmOptions, [id]: string[]): Promise<void> {
  const db = await ctx.db();
  if ((await getEvent(db, id!)).status !== 'archived') {
    const now = ctx.clock();
    const codes = await countCodes(db, now, { eventId: id!, statuses: ['active', 'used'] });
    const watching = (await listActiveSessions(db, now, { eventId: id! })).length;
    await confirmChange(options, `Archive event ${id} for good? ${codes} working codes stop working and ${watching} viewers watching now are stopped.`);
  }
  const row = await archiveEvent({ db, clock: ctx.clock, actor: cliActor() }, id!);
  await printEvent(ctx.out, toEventView(row, ctx.config, await ctx.keyring()));
}
