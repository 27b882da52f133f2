import path from 'node:path';
import { cliActor } from '../../../core/audit-log.js';
import { getEvent } from '../../../core/events/event-service.js';
import { resetRecording } from '../../../core/events/recording-reset.js';
import { confirmChange, type ConfirmOptions } from '../../confirm.js';
import type { CommandContext } from '../../context.js';
import { printFields, printJson } from '../../output.js';

export async function run(ctx: CommandContext, options: ConfirmOptions, [id]: string[]): Promise<void> {
  const db = await ctx.db();
  const event = await getEvent(db, id!);
  await confirmChange(options, `Delete the recording of event ${id} (${event.status})? Viewers can no longer rewatch what was streamed so far.`);
  const result = await resetRecording({ db, clock: ctx.clock, actor: cliActor() }, id!, path.join(ctx.config.dataDir, 'hls'));
  if (ctx.out.json) return printJson(result);
  await printFields(ctx.out, [
    ['event', result.eventId],
    ['deleted', `${result.files} files, ${(result.bytes / 1e6).toFixed(1)} MB`],
    ['status', result.status],
  ]);
}
