import { getEvent } from '../../../core/events/event-service.js';
import { listActiveSessions } from '../../../core/sessions/session-admin.js';
import type { CommandContext } from '../../context.js';
import { printJson, printTable } from '../../output.js';

export async function run(ctx: CommandContext, options: { event?: string }): Promise<void> {
  const db = await ctx.db();
  if (options.event) await getEvent(db, options.event);
  const sessions = await listActiveSessions(db, ctx.clock(), { eventId: options.event });
  if (ctx.out.json) return printJson(sessions);
  await printTable(ctx.out, ['session', 'event', 'label', 'browser', 'device', 'address', 'started', 'last heartbeat'], sessions.map((s) => [
    s.id, s.eventId, s.label, s.browser, s.deviceId, s.clientIp, s.startedAt, s.lastSeenAt,
  ]));
}
