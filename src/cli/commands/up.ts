import { listEvents } from '../../core/events/event-service.js';
import { rtmpServerUrl } from '../../core/events/event-view.js';
import type { CommandContext } from '../context.js';
import { initialise } from './init.js';
import { serve } from './serve.js';

/** Everything a newcomer needs in one command: initialise if needed, print where things are, serve. */
export async function run(ctx: CommandContext): Promise<void> {
  await initialise(ctx);
  const events = await listEvents(await ctx.db());
  const lines = [`viewer portal   ${ctx.config.platformUrl}/`, `rtmp server     ${rtmpServerUrl(ctx.config)}  (OBS: Settings → Stream → Custom)`];
  for (const event of events.filter((e) => e.status !== 'archived')) lines.push(`  ${event.id}: stream key shown by  streamgate events show ${event.id}`);
  if (events.length === 0) lines.push('no events yet:  streamgate events create --title "My event"');
  lines.push('codes:          streamgate tokens create --event ID --count 10 --out codes.csv');
  process.stderr.write(`${lines.join('\n')}\n`);
  await serve(ctx, 'all');
}
