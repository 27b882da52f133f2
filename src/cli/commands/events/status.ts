import { setTimeout as sleep } from 'node:timers/promises';
import { getEvent } from '../../../core/events/event-service.js';
import { streamHealth } from '../../../core/events/stream-health.js';
import type { CommandContext } from '../../context.js';
import { printJson } from '../../output.js';
import { printHealth } from '../../print-health.js';

/** How often --watch reads again: the ingest writes every 5 s, so this shows each write soon. */
const WATCH_MS = 2_000;

/**
 * The event's stream health. With --watch it reads again every 2 s until interrupted: on a
 * terminal the screen is redrawn, in a pipe a block (or, with --json, one JSON line) is added.
 */
export async function run(ctx: CommandContext, options: { watch?: boolean }, [id]: string[]): Promise<void> {
  const db = await ctx.db();
  let stopped = false;
  const stop = () => (stopped = true);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    for (;;) {
      const event = await getEvent(db, id!);
      const health = await streamHealth(db, ctx.clock(), event);
      if (ctx.out.json) {
        if (options.watch) process.stdout.write(`${JSON.stringify({ status: event.status, ...health })}\n`);
        else printJson({ status: event.status, ...health });
      } else {
        if (options.watch && ctx.out.tty) process.stdout.write('\x1b[2J\x1b[H');
        await printHealth(ctx.out, event.status, health);
        if (options.watch && !ctx.out.tty) process.stdout.write('\n');
      }
      if (!options.watch) return;
      for (let waited = 0; waited < WATCH_MS && !stopped; waited += 100) await sleep(100);
      if (stopped) return;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
