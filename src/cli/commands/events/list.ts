import { listEvents } from '../../../core/events/event-service.js';
import { toEventView } from '../../../core/events/event-view.js';
import type { CommandContext } from '../../context.js';
import { printJson, printTable } from '../../output.js';
import { statusText } from '../../print-event.js';

export async function run(ctx: CommandContext): Promise<void> {
  const keyring = await ctx.keyring();
  const events = (await listEvents(await ctx.db())).map((row) => toEventView(row, ctx.config, keyring));
  if (ctx.out.json) return printJson(events);
  if (events.length === 0 && ctx.out.tty) {
    process.stdout.write('No events yet. Create one: streamgate events create --title "My event"\n');
    return;
  }
  const rows = await Promise.all(
    events.map(async (e) => [e.id, e.title, await statusText(ctx.out, e.status), e.startsAt, e.endsAt, `${e.rewatchHours} h`]),
  );
  await printTable(ctx.out, ['id', 'title', 'status', 'starts', 'ends', 'rewatch'], rows);
}
