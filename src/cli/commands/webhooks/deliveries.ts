import { countFlag } from '../../flags.js';
import { listDeliveries } from '../../../core/webhooks/webhook-deliveries.js';
import type { CommandContext } from '../../context.js';
import { printJson, printTable } from '../../output.js';

export async function run(ctx: CommandContext, options: { status?: string; limit?: string }, [webhookId]: string[]): Promise<void> {
  const limit = options.limit === undefined ? 50 : countFlag(options.limit, '--limit');
  const deliveries = await listDeliveries(await ctx.db(), { webhookId, status: options.status, limit });
  if (ctx.out.json) return printJson(deliveries);
  await printTable(
    ctx.out,
    ['id', 'webhook', 'event', 'status', 'attempts', 'created', 'last attempt', 'response', 'last error', 'next attempt'],
    deliveries.map((d) => [d.id, d.webhookId, d.type, d.status, d.attempts, d.createdAt, d.lastAttemptAt, d.responseStatus, d.lastError, d.nextAttemptAt]),
  );
}
